import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * SCRAM-SHA-256 (RFC 5802 / RFC 7677), the client side, as PostgreSQL speaks it
 * without channel binding (gs2 header `n,,`). Written with node:crypto so the
 * bundle does not carry a PostgreSQL driver.
 */
export interface ScramClient {
  /** The SASLInitialResponse payload. */
  clientFirstMessage: string;
  /** Consumes the server-first message, returns the client-final message. */
  clientFinal(serverFirst: string): string;
  /** Checks the server's signature (`v=`); throws when the server cannot prove it knows the password. */
  verifyServerFinal(serverFinal: string): void;
}

const GS2_HEADER = "n,,";

/** SCRAM attributes `a=b,c=d` (values may contain `=`). */
export function parseScramAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(",")) {
    const eq = part.indexOf("=");
    if (eq !== 1) throw new Error(`malformed SCRAM message attribute '${part.slice(0, 1)}'`);
    out.set(part.slice(0, 1), part.slice(2));
  }
  return out;
}

/** `=` and `,` are escaped in SCRAM user names (RFC 5802 §5.1). */
function saslName(user: string): string {
  return user.replace(/=/g, "=3D").replace(/,/g, "=2C");
}

// Characters SASLprep (RFC 4013) maps to a space or to nothing. PostgreSQL
// applies SASLprep to the password; for ASCII passwords it changes nothing.
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g;
const MAPPED_TO_NOTHING = /\u00AD|\u034F|\u1806|[\u180B-\u180D]|\u200C|\u200D|\u2060|[\uFE00-\uFE0F]|\uFEFF/g;

export function saslPrep(password: string): string {
  return password.replace(NON_ASCII_SPACE, " ").replace(MAPPED_TO_NOTHING, "").normalize("NFKC");
}

function hmac(key: Buffer, data: string | Buffer): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

/**
 * `user` is what goes into `n=`: PostgreSQL ignores it (the startup message
 * names the role), so the login sends an empty name like libpq does.
 * `nonce` is injectable for the RFC 7677 test vector.
 */
export function scramSha256Client(
  password: string,
  opts: { user?: string; nonce?: string; maxIterations?: number } = {},
): ScramClient {
  const clientNonce = opts.nonce ?? randomBytes(18).toString("base64");
  const clientFirstBare = `n=${saslName(opts.user ?? "")},r=${clientNonce}`;
  let expectedServerSignature: Buffer | undefined;
  return {
    clientFirstMessage: `${GS2_HEADER}${clientFirstBare}`,
    clientFinal(serverFirst) {
      const attrs = parseScramAttributes(serverFirst);
      const nonce = attrs.get("r");
      const salt = attrs.get("s");
      const iterations = Number(attrs.get("i"));
      if (!nonce || !salt || !Number.isInteger(iterations) || iterations < 1) {
        throw new Error("the server's SCRAM challenge is incomplete (nonce, salt or iteration count missing)");
      }
      if (!nonce.startsWith(clientNonce) || nonce.length === clientNonce.length) {
        throw new Error("the server's SCRAM nonce does not extend the client nonce");
      }
      if (iterations > (opts.maxIterations ?? 1_000_000)) {
        throw new Error(`the server asked for ${iterations} SCRAM iterations, more than this client accepts`);
      }
      const saltedPassword = pbkdf2Sync(saslPrep(password), Buffer.from(salt, "base64"), iterations, 32, "sha256");
      const clientKey = hmac(saltedPassword, "Client Key");
      const storedKey = createHash("sha256").update(clientKey).digest();
      const channelBinding = Buffer.from(GS2_HEADER).toString("base64");
      const clientFinalWithoutProof = `c=${channelBinding},r=${nonce}`;
      const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
      const clientSignature = hmac(storedKey, authMessage);
      const proof = xor(clientKey, clientSignature).toString("base64");
      expectedServerSignature = hmac(hmac(saltedPassword, "Server Key"), authMessage);
      return `${clientFinalWithoutProof},p=${proof}`;
    },
    verifyServerFinal(serverFinal) {
      const attrs = parseScramAttributes(serverFinal);
      const error = attrs.get("e");
      if (error) throw new Error(`the server rejected the SCRAM exchange: ${error}`);
      const signature = Buffer.from(attrs.get("v") ?? "", "base64");
      if (
        !expectedServerSignature ||
        signature.length !== expectedServerSignature.length ||
        !timingSafeEqual(signature, expectedServerSignature)
      ) {
        throw new Error(
          "the server's SCRAM signature is wrong: it does not know this password (or the exchange was tampered with)",
        );
      }
    },
  };
}
