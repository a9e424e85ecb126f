import { createHash } from "node:crypto";
import { isIP, type Socket, connect as tcpConnect } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { cstring, frontend, int32, MessageReader, parseErrorFields } from "./pg-wire";
import { scramSha256Client } from "./scram";

/**
 * A PostgreSQL login and nothing more: SSLRequest, startup, authentication
 * (SCRAM-SHA-256, md5 or cleartext, only ever inside TLS), then Terminate.
 * It answers the one question the team's rollbacks raised — do the secret's
 * credentials still open this database? — without a driver in the bundle.
 */
export interface PgLoginOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  timeoutMs?: number;
  /** PEM CA bundle to verify the server certificate; without it TLS is used unverified, as `sslmode=require`. */
  ca?: string;
}

export type PgLoginOutcome = "success" | "rejected" | "unreachable" | "tls-unavailable" | "failed";

export interface PgLoginResult {
  outcome: PgLoginOutcome;
  /** Human-readable: the server's own error text for `rejected`. */
  message: string;
  /** SQLSTATE of the server's ErrorResponse (28P01 wrong password, 28000 no pg_hba entry, 3D000 no database). */
  sqlstate?: string;
  severity?: string;
  /** The authentication method the server asked for. */
  authMethod?: "scram-sha-256" | "md5" | "password" | "trust";
  tlsProtocol?: string;
  certificateVerified?: boolean;
  serverVersion?: string;
}

const SSL_REQUEST_CODE = 80877103;
const PROTOCOL_3_0 = 196608;

function rejected(body: Buffer, authMethod?: PgLoginResult["authMethod"]): PgLoginResult {
  const f = parseErrorFields(body);
  const result: PgLoginResult = {
    outcome: "rejected",
    message: f.get("M") ?? "the server refused the login without a message",
    severity: f.get("V") ?? f.get("S") ?? "FATAL",
  };
  const sqlstate = f.get("C");
  if (sqlstate) result.sqlstate = sqlstate;
  if (authMethod) result.authMethod = authMethod;
  return result;
}

function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash("md5")
    .update(password + user)
    .digest("hex");
  return `md5${createHash("md5")
    .update(Buffer.concat([Buffer.from(inner), salt]))
    .digest("hex")}`;
}

function openTcp(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Sends SSLRequest; resolves the TLS socket, or undefined when the server answers 'N'. */
function startTls(socket: Socket, opts: PgLoginOptions): Promise<TLSSocket | undefined> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    socket.once("error", onError);
    socket.once("data", (answer: Buffer) => {
      socket.off("error", onError);
      // More than the one answer byte would be injected plaintext (CVE-2021-23214): refuse it.
      if (answer.length !== 1) return reject(new Error("the server sent data before the TLS handshake"));
      if (answer[0] === 0x4e /* N */) return resolve(undefined);
      if (answer[0] !== 0x53 /* S */) {
        return reject(
          new Error(
            `the server answered the TLS request with '${String.fromCharCode(answer[0] ?? 0)}': is this PostgreSQL?`,
          ),
        );
      }
      const tls = tlsConnect({
        socket,
        ...(isIP(opts.host) ? {} : { servername: opts.host }),
        ...(opts.ca ? { ca: opts.ca, rejectUnauthorized: true } : { rejectUnauthorized: false }),
      });
      tls.once("secureConnect", () => {
        tls.off("error", reject);
        resolve(tls);
      });
      tls.once("error", reject);
    });
    socket.write(Buffer.concat([int32(8), int32(SSL_REQUEST_CODE)]));
  });
}

export async function pgLogin(opts: PgLoginOptions): Promise<PgLoginResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let socket: Socket | undefined;
  let stream: Socket | TLSSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<PgLoginResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          stream
            ? { outcome: "failed", message: `the login did not finish within ${timeoutMs} ms` }
            : { outcome: "unreachable", message: `no TCP connection within ${timeoutMs} ms` },
        ),
      timeoutMs,
    );
  });
  const attempt = (async (): Promise<PgLoginResult> => {
    try {
      socket = await openTcp(opts.host, opts.port);
      // Errors surface on the TLS stream that wraps it; an unheard one would crash the step.
      socket.on("error", () => {});
    } catch (error) {
      return { outcome: "unreachable", message: (error as Error).message };
    }
    let tls: TLSSocket | undefined;
    try {
      tls = await startTls(socket, opts);
    } catch (error) {
      return { outcome: "failed", message: `TLS handshake failed: ${(error as Error).message}` };
    }
    if (!tls) {
      return {
        outcome: "tls-unavailable",
        message: "the server does not accept TLS connections; the credentials were not sent",
      };
    }
    stream = tls;
    tls.on("error", () => {});
    const base = { tlsProtocol: tls.getProtocol() ?? "TLS", certificateVerified: opts.ca !== undefined };
    try {
      return { ...base, ...(await authenticate(tls, opts)) };
    } catch (error) {
      return { ...base, outcome: "failed", message: (error as Error).message };
    }
  })();
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
    stream?.destroy();
    socket?.destroy();
  }
}

async function authenticate(tls: TLSSocket, opts: PgLoginOptions): Promise<PgLoginResult> {
  const reader = new MessageReader(tls);
  const startup = Buffer.concat([
    int32(PROTOCOL_3_0),
    cstring("user"),
    cstring(opts.user),
    cstring("database"),
    cstring(opts.database),
    cstring("application_name"),
    cstring("ecs-alb-smoke secrets-rds-drift"),
    Buffer.from([0]),
  ]);
  tls.write(Buffer.concat([int32(startup.length + 4), startup]));

  let authMethod: PgLoginResult["authMethod"];
  let scram: ReturnType<typeof scramSha256Client> | undefined;
  let serverVersion: string | undefined;
  for (let i = 0; i < 200; i++) {
    const { type, body } = await reader.next();
    if (type === "E") return rejected(body, authMethod);
    if (type === "S") {
      const [name, value] = body.toString("utf8").split("\0");
      if (name === "server_version" && value) serverVersion = value;
      continue;
    }
    if (type === "Z") {
      tls.write(frontend("X", Buffer.alloc(0)));
      const ok: PgLoginResult = { outcome: "success", message: "logged in", authMethod: authMethod ?? "trust" };
      if (serverVersion) ok.serverVersion = serverVersion;
      return ok;
    }
    if (type !== "R") continue; // BackendKeyData, NoticeResponse, NegotiateProtocolVersion
    const code = body.readInt32BE(0);
    switch (code) {
      case 0: // AuthenticationOk: wait for ReadyForQuery (the database may still be refused)
        break;
      case 3:
        authMethod = "password";
        tls.write(frontend("p", cstring(opts.password)));
        break;
      case 5:
        authMethod = "md5";
        tls.write(frontend("p", cstring(md5Password(opts.user, opts.password, body.subarray(4, 8)))));
        break;
      case 10: {
        const mechanisms = body.subarray(4).toString("utf8").split("\0").filter(Boolean);
        if (!mechanisms.includes("SCRAM-SHA-256")) {
          throw new Error(`the server offers only ${mechanisms.join(", ")}; this check speaks SCRAM-SHA-256`);
        }
        authMethod = "scram-sha-256";
        scram = scramSha256Client(opts.password);
        const first = Buffer.from(scram.clientFirstMessage, "utf8");
        tls.write(frontend("p", Buffer.concat([cstring("SCRAM-SHA-256"), int32(first.length), first])));
        break;
      }
      case 11:
        if (!scram) throw new Error("the server sent a SCRAM challenge without starting SCRAM");
        tls.write(frontend("p", Buffer.from(scram.clientFinal(body.subarray(4).toString("utf8")), "utf8")));
        break;
      case 12:
        if (!scram) throw new Error("the server sent a SCRAM final message without starting SCRAM");
        scram.verifyServerFinal(body.subarray(4).toString("utf8"));
        break;
      default:
        throw new Error(`the server asked for authentication method ${code}, which this check does not speak`);
    }
  }
  throw new Error("the server kept talking without finishing the login");
}
