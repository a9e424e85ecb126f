import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import { type PostgresServer, startPostgres } from "../../fixtures/postgres";
import { errors, runBundle } from "../../harness/runner";
import { everythingVisible, scenario } from "./scenario";

// connect-check against a real PostgreSQL with TLS and scram-sha-256 standing in for RDS:
// the emulated instance's endpoint is the server's loopback address and port.
let emu: RunningEmulator;
let pg: PostgresServer;
beforeAll(async () => {
  [emu, pg] = await Promise.all([startEmulator(), startPostgres()]);
});
afterAll(() => Promise.all([emu?.stop(), pg?.stop()]));

/** A workspace holding the fixture server's own CA as ca.pem (the RDS CAs do not sign it). */
function workspaceWithCa(): string {
  const workspace = mkdtempSync(join(tmpdir(), "eas-ws-"));
  copyFileSync(pg.caCertPath, join(workspace, "ca.pem"));
  return workspace;
}

async function connectCheck(password: string, tls: Record<string, string> = { "ca-file": "ca.pem" }) {
  const secret = { engine: "postgres", host: pg.host, port: pg.port, dbname: pg.database, username: pg.user, password };
  await emu.emulator.reset();
  await emu.emulator.loadScenario(
    scenario({ secret, instance: { address: pg.host, port: pg.port, dbName: pg.database, masterUsername: pg.user } }),
  );
  return runBundle("secrets-rds-drift", {
    inputs: { "secret-id": "papyrus/prd/db", "connect-check": "true", comment: "false", ...tls },
    env: { AWS_ENDPOINT_URL: emu.endpoint },
    workspace: workspaceWithCa(),
  });
}

describe("secrets-rds-drift connect-check (real PostgreSQL)", () => {
  it("the right password logs in over TLS with SCRAM-SHA-256", async () => {
    const r = await connectCheck(pg.password);
    expect(r.code, errors(r).join("\n")).toBe(0);
    expect(JSON.parse(r.outputs.drift ?? "{}")).toMatchObject({ host: "matches", port: "matches", login: "matches" });
    const login = JSON.parse(r.outputs.report ?? "{}").login;
    expect(login).toMatchObject({ outcome: "success", authMethod: "scram-sha-256", host: "***", port: pg.port });
    expect(everythingVisible(r)).not.toContain(pg.password);
  });

  it("a drifted password is caught with the server's exact error, and neither password is shown", async () => {
    const stale = `${pg.password}-before-rotation`;
    const r = await connectCheck(stale);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.outputs.drift ?? "{}").login).toBe("differs");
    const login = JSON.parse(r.outputs.report ?? "{}").login;
    expect(login).toMatchObject({
      outcome: "rejected",
      sqlstate: "28P01",
      message: 'password authentication failed for user "***"',
    });
    expect(errors(r).at(-1)).toContain("login differs");
    expect(r.masked).toContain(stale);
    const visible = everythingVisible(r);
    for (const value of [stale, pg.password, pg.user]) expect(visible).not.toContain(value);
  });

  it("sslmode verify-full (the default) with ca-file checks the chain and the host name", async () => {
    const r = await connectCheck(pg.password);
    expect(r.code, errors(r).join("\n")).toBe(0);
    const login = JSON.parse(r.outputs.report ?? "{}").login;
    expect(login).toMatchObject({ outcome: "success", sslmode: "verify-full", certificateVerified: true });
  });

  it("without ca-file, verify-full refuses the fixture's self-signed certificate, says what to do, sends no password", async () => {
    const r = await connectCheck(pg.password, {});
    expect(r.code).toBe(1);
    expect(JSON.parse(r.outputs.drift ?? "{}").login).toBe("differs");
    const login = JSON.parse(r.outputs.report ?? "{}").login;
    expect(login).toMatchObject({ outcome: "certificate-rejected", sslmode: "verify-full" });
    expect(login.authMethod).toBeUndefined();
    const failure = errors(r).at(-1) ?? "";
    expect(failure).toMatch(
      /^connect-check: the server's certificate did not verify \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN): /,
    );
    expect(failure).toContain("Give its CA in 'ca-file', or set 'sslmode: require' to encrypt without verifying");
    expect(everythingVisible(r)).not.toContain(pg.password);
  });

  it("sslmode require logs in without ca-file: encrypted, certificate not verified", async () => {
    const r = await connectCheck(pg.password, { sslmode: "require" });
    expect(r.code, errors(r).join("\n")).toBe(0);
    const login = JSON.parse(r.outputs.report ?? "{}").login;
    expect(login).toMatchObject({ outcome: "success", sslmode: "require", certificateVerified: false });
  });

  it("sslmode disable is refused before anything is read: the credentials are never sent without TLS", async () => {
    const r = await connectCheck(pg.password, { sslmode: "disable" });
    expect(r.code).toBe(1);
    expect(errors(r).join("\n")).toContain("sslmode");
    expect(errors(r).join("\n")).toContain("Use verify-full (the default), verify-ca, or require");
  });
});
