import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";

/**
 * PostgreSQL protocol 3.0 framing: backend messages are a type byte and an
 * Int32 length that counts itself; frontend messages the same, except the
 * untyped startup and SSLRequest packets.
 */
export interface BackendMessage {
  type: string;
  body: Buffer;
}

/** Frames backend messages (type byte, Int32 length including itself, body) from a stream. */
export class MessageReader {
  private buffer = Buffer.alloc(0);
  private waiting: ((m: BackendMessage | Error) => void) | undefined;
  private failure: Error | undefined;

  constructor(socket: Socket | TLSSocket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.deliver();
    });
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new Error("the server closed the connection")));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.deliver();
  }

  private take(): BackendMessage | undefined {
    if (this.buffer.length < 5) return undefined;
    const length = this.buffer.readInt32BE(1);
    if (length < 4 || length > 1 << 24) {
      this.failure ??= new Error(`the server sent a message of impossible length ${length}: is this PostgreSQL?`);
      return undefined;
    }
    if (this.buffer.length < 1 + length) return undefined;
    const message = { type: String.fromCharCode(this.buffer[0] ?? 0), body: this.buffer.subarray(5, 1 + length) };
    this.buffer = this.buffer.subarray(1 + length);
    return message;
  }

  private deliver(): void {
    if (!this.waiting) return;
    const message = this.take();
    const resolve = this.waiting;
    if (message) {
      this.waiting = undefined;
      resolve(message);
    } else if (this.failure) {
      this.waiting = undefined;
      resolve(this.failure);
    }
  }

  next(): Promise<BackendMessage> {
    return new Promise((resolve, reject) => {
      this.waiting = (m) => (m instanceof Error ? reject(m) : resolve(m));
      this.deliver();
    });
  }
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export function frontend(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}

export function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, "utf8"), Buffer.from([0])]);
}

/** ErrorResponse / NoticeResponse fields by their one-letter code (S, V, C, M, D, H ...). */
export function parseErrorFields(body: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const code = String.fromCharCode(body[i] ?? 0);
    const end = body.indexOf(0, i + 1);
    if (end < 0) break;
    fields.set(code, body.subarray(i + 1, end).toString("utf8"));
    i = end + 1;
  }
  return fields;
}
