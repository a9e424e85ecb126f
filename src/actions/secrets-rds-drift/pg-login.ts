import type { TLSSocket } from "node:tls";
import pg from "pg";

/**
 * A PostgreSQL login and nothing more, through node-postgres (`pg`): TLS
 * always (the credentials are never sent in plaintext), the server's
 * certificate checked as `sslmode` says, authentication (SCRAM-SHA-256, md5
 * or cleartext, all inside TLS), then the connection is closed. It answers the
 * one question the team's rollbacks raised: do the secret's credentials still
 * open this database?
 */
export type SslMode = "require" | "verify-ca" | "verify-full";
export const SSL_MODES = ["verify-full", "verify-ca", "require"] as const satisfies readonly SslMode[];

export interface PgLoginOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  timeoutMs?: number;
  /**
   * What libpq's sslmode means: `require` encrypts without checking the
   * certificate; `verify-ca` checks its chain against `ca`; `verify-full`
   * also checks that it names `host`. Default `verify-full`.
   */
  sslmode?: SslMode;
  /** PEM certificates of the authorities trusted for verify-ca / verify-full (instead of Node's store). */
  ca?: string[];
}

export type PgLoginOutcome =
  | "success"
  | "rejected"
  | "unreachable"
  | "tls-unavailable"
  | "certificate-rejected"
  | "failed";

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
  sslmode?: SslMode;
  certificateVerified?: boolean;
  serverVersion?: string;
}

/** Node's codes for a certificate that did not verify (tls.TLSSocket.authorizationError and checkServerIdentity). */
const CERTIFICATE_CODES =
  /^(?:ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(?:GET_ISSUER_CERT(?:_LOCALLY)?|VERIFY_LEAF_SIGNATURE|DECRYPT_CERT_SIGNATURE)|CERT_[A-Z_]+|INVALID_CA|HOSTNAME_MISMATCH)$/;

function sslOptions(opts: PgLoginOptions): pg.ClientConfig["ssl"] {
  const mode = opts.sslmode ?? "verify-full";
  if (mode === "require") return { rejectUnauthorized: false };
  const trust = { rejectUnauthorized: true, ...(opts.ca ? { ca: opts.ca } : {}) };
  // verify-ca: the chain is checked, the name is not (libpq's meaning).
  return mode === "verify-ca" ? { ...trust, checkServerIdentity: () => undefined } : trust;
}

function certificateAdvice(mode: SslMode): string {
  return mode === "verify-full"
    ? "the certificate must chain to an RDS certificate authority (or to one in ca-file) and name the host"
    : "the certificate must chain to an RDS certificate authority (or to one in ca-file)";
}

function classify(error: unknown, mode: SslMode, connected: boolean): PgLoginResult {
  const e = error as { code?: unknown; message?: unknown; severity?: unknown };
  const code = typeof e.code === "string" ? e.code : undefined;
  const message = typeof e.message === "string" ? e.message : String(error);
  if (error instanceof pg.DatabaseError) {
    const result: PgLoginResult = {
      outcome: "rejected",
      message: message || "the server refused the login without a message",
      severity: error.severity ?? "FATAL",
    };
    if (error.code) result.sqlstate = error.code;
    return result;
  }
  if (message === "The server does not support SSL connections") {
    return {
      outcome: "tls-unavailable",
      message: "the server does not accept TLS connections; the credentials were not sent",
    };
  }
  if (code && CERTIFICATE_CODES.test(code)) {
    return {
      outcome: "certificate-rejected",
      message: `the server's certificate did not verify (${code}: ${message}) with sslmode ${mode}: ${certificateAdvice(mode)}. Give its CA in 'ca-file', or set 'sslmode: require' to encrypt without verifying. The credentials were not sent`,
    };
  }
  if (!connected) return { outcome: "unreachable", message };
  return { outcome: "failed", message };
}

export async function pgLogin(opts: PgLoginOptions): Promise<PgLoginResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const sslmode = opts.sslmode ?? "verify-full";
  const client = new pg.Client({
    host: opts.host,
    port: opts.port,
    user: opts.user,
    password: opts.password,
    database: opts.database,
    application_name: "ecs-alb-smoke secrets-rds-drift",
    ssl: sslOptions(opts),
  });
  // An error after the outcome is known (a reset while closing) must not crash the step.
  client.on("error", () => {});
  const con = client.connection;
  let connected = false;
  let authMethod: PgLoginResult["authMethod"];
  let serverVersion: string | undefined;
  con.once("connect", () => {
    connected = true;
  });
  con.once("authenticationCleartextPassword", () => {
    authMethod = "password";
  });
  con.once("authenticationMD5Password", () => {
    authMethod = "md5";
  });
  con.once("authenticationSASL", () => {
    authMethod = "scram-sha-256";
  });
  con.on("parameterStatus", (m: { parameterName?: string; parameterValue?: string }) => {
    if (m.parameterName === "server_version" && m.parameterValue) serverVersion = m.parameterValue;
  });
  const tlsFacts = (): Pick<PgLoginResult, "tlsProtocol" | "sslmode" | "certificateVerified"> => {
    const stream = con.stream as Partial<TLSSocket>;
    const protocol = typeof stream.getProtocol === "function" ? stream.getProtocol() : null;
    return protocol ? { tlsProtocol: protocol, sslmode, certificateVerified: sslmode !== "require" } : { sslmode };
  };
  const withAuth = (r: PgLoginResult): PgLoginResult => (authMethod ? { ...r, authMethod } : r);

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<PgLoginResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          connected
            ? { outcome: "failed", message: `the login did not finish within ${timeoutMs} ms` }
            : { outcome: "unreachable", message: `no TCP connection within ${timeoutMs} ms` },
        ),
      timeoutMs,
    );
  });
  const attempt = (async (): Promise<PgLoginResult> => {
    try {
      await client.connect();
    } catch (error) {
      return { ...tlsFacts(), ...withAuth(classify(error, sslmode, connected)) };
    }
    const ok: PgLoginResult = {
      outcome: "success",
      message: "logged in",
      ...tlsFacts(),
      authMethod: authMethod ?? "trust",
    };
    if (serverVersion) ok.serverVersion = serverVersion;
    return ok;
  })();
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
    // Terminate politely when logged in; otherwise the socket is simply dropped.
    await Promise.race([client.end().catch(() => {}), new Promise((r) => setTimeout(r, 1_000).unref())]);
    con.stream.destroy();
  }
}
