/**
 * `ecs-alb-smoke drift` through the bundled CLI as a separate process, against
 * the emulator and the fixture PostgreSQL (with its own CA) standing in for
 * the RDS instance: a pass, a drift (exit 1 with the report's table as text),
 * a login with a stale password, and --json carrying the rows of the action's
 * evidence JSON. No secret value reaches stdout or stderr.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { scenario } from "../actions/secrets-rds-drift/scenario";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { type PostgresServer, startPostgres } from "../fixtures/postgres";
import { type CliResult, errorDocument, expectNoWorkflowCommand, jsonDocument, runCli } from "./cli";

let emu: RunningEmulator;
let pg: PostgresServer;
beforeAll(async () => {
  [emu, pg] = await Promise.all([startEmulator(), startPostgres()]);
}, 60_000);
afterAll(() => Promise.all([emu?.stop(), pg?.stop()]));

const secret = (over: Record<string, unknown> = {}) => ({
  engine: "postgres",
  host: pg.host,
  port: pg.port,
  dbname: pg.database,
  username: pg.user,
  password: pg.password,
  ...over,
});

async function load(over: Record<string, unknown> = {}): Promise<void> {
  await emu.emulator.reset();
  await emu.emulator.loadScenario(
    scenario({
      secret: secret(over),
      instance: { address: pg.host, port: pg.port, dbName: pg.database, masterUsername: pg.user },
    }),
  );
}

/** A folder holding the fixture server's CA as ca.pem (the RDS CAs do not sign it). */
function cwdWithCa(): string {
  const cwd = mkdtempSync(join(tmpdir(), "eas-cli-drift-"));
  copyFileSync(pg.caCertPath, join(cwd, "ca.pem"));
  return cwd;
}

/** A run of the bundle; it registers the secret's values, and no `::add-mask::` (or other workflow command) shows. */
async function drift(extra: string[] = []): Promise<CliResult> {
  const r = await runCli(
    ["drift", "--secret-id", "papyrus/prd/db", "--connect-check", "--ca-file", "ca.pem", ...extra],
    { cwd: cwdWithCa(), env: { AWS_ENDPOINT_URL: emu.endpoint } },
  );
  expectNoWorkflowCommand(r);
  return r;
}

const visible = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
/** The report's table row of one field: `field  secret  RDS  verdict …`, as text. */
const row = (r: CliResult, field: string) => r.stdout.split("\n").find((l) => new RegExp(`^${field} {2,}`).test(l));

beforeEach(() => load());

describe("ecs-alb-smoke drift", () => {
  it("secret and instance agree and the login works: exit 0, the table as text, no secret value shown", async () => {
    const r = await drift();
    expect(r.code, visible(r)).toBe(0);
    const lines = r.stdout.split("\n");
    const header = lines.findIndex((l) => /^field\s+verdict\s+RDS side\s+detail$/.test(l));
    expect(header, r.stdout).toBeGreaterThan(0);
    expect(lines[header + 1]).toMatch(/^-+( +-+)+$/);
    for (const field of ["host", "port", "dbname", "username", "login"]) expect(row(r, field)).toMatch(/matches/);
    expect(r.stdout).not.toMatch(/^\|/m);
    expect(r.stdout).not.toContain("\u001b[");
    expect(r.stdout).toContain("drift: PASS");
    for (const value of [pg.password, pg.user]) expect(visible(r)).not.toContain(value);
  });

  it("a dbname that differs: exit 1, the row says differs, the failure names it", async () => {
    await load({ dbname: "papyrus_v1" });
    const r = await drift();
    expect(r.code, visible(r)).toBe(1);
    expect(row(r, "dbname"), r.stdout).toMatch(/differs/);
    expect(row(r, "host")).toMatch(/matches/);
    expect(r.stderr).toMatch(/dbname differs/);
    expect(r.stdout).toContain("drift: FAIL");
    for (const value of [pg.password, pg.user]) expect(visible(r)).not.toContain(value);
    // The database name is public in the shared secret policy (evidence-mask keeps it too): the server's own
    // words name the database that is missing, where they used to read `database "***" does not exist`.
    expect(row(r, "login")).toContain('database "papyrus_v1" does not exist');
  });

  it("a stale password: exit 1, the login row differs with the server's error, neither password shown", async () => {
    const stale = `${pg.password}-before-rotation`;
    await load({ password: stale });
    const r = await drift();
    expect(r.code, visible(r)).toBe(1);
    expect(row(r, "login"), r.stdout).toMatch(/differs/);
    expect(r.stderr).toContain("login differs");
    for (const value of [stale, pg.password, pg.user]) expect(visible(r)).not.toContain(value);
  });

  it("--json when the step cannot run (AWS unreachable): exit 1, the error document alone on stdout", async () => {
    // Nothing listens on port 9 of loopback: every call is refused at once.
    const r = await runCli(["drift", "--secret-id", "papyrus/prd/db", "--json"], {
      cwd: cwdWithCa(),
      env: { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_MAX_ATTEMPTS: "1" },
    });
    expect(r.code, r.stderr).toBe(1);
    const doc = errorDocument(r);
    expect(doc).toMatchObject({ command: "drift", action: "secrets-rds-drift" });
    expect(doc.error).toContain("secretsmanager:DescribeSecret");
  });

  it("--json: a user name and password with quotes and newlines show nowhere, raw or JSON-escaped", async () => {
    const username = 'papyrus"ops\nadmin';
    const password = `${pg.password}"\n\\"quoted" line`;
    await load({ username, password });
    const r = await drift(["--json"]);
    expect(r.code, r.stderr).toBe(1);
    const doc = jsonDocument<{ result: string; outputs: { drift: Record<string, string> } }>(r);
    expect(doc.result).toBe("fail");
    expect(doc.outputs.drift).toMatchObject({ username: "differs" });
    for (const value of [username, password]) {
      const escaped = JSON.stringify(value).slice(1, -1);
      for (const form of [value, escaped, ...value.split("\n")]) expect(visible(r)).not.toContain(form);
    }
  });

  it("--json: a secret that does not exist exits 2 with the error document, the message on stderr", async () => {
    const r = await runCli(["drift", "--secret-id", "papyrus/prd/nope", "--json"], {
      cwd: cwdWithCa(),
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code, r.stderr).toBe(2);
    const doc = errorDocument(r);
    expect(doc).toMatchObject({ command: "drift", action: "secrets-rds-drift" });
    expect(doc.error).toContain("secret 'papyrus/prd/nope' was not found");
    expect(r.stderr).toContain(`ecs-alb-smoke: drift: ${doc.error}`);
  });

  it("--json is one document with the rows of the action's evidence JSON, exit 1 on drift", async () => {
    await load({ port: pg.port + 1 });
    const r = await drift(["--json"]);
    expect(r.code, r.stderr).toBe(1);
    const doc = jsonDocument<{
      command: string;
      action: string;
      result: string;
      failure: string;
      outputs: {
        result: string;
        drift: Record<string, string>;
        report: { rows: { field: string; verdict: string }[] };
      };
    }>(r);
    expect(doc).toMatchObject({ command: "drift", action: "secrets-rds-drift", result: "fail" });
    expect(doc.failure).toContain("port differs");
    expect(doc.outputs.result).toBe("drift");
    expect(doc.outputs.drift).toMatchObject({ host: "matches", port: "differs", dbname: "matches" });
    const files = readdirSync(join(r.cwd, "evidence"));
    expect(files).toEqual([expect.stringMatching(/^\d{8}_\d{6}_secrets_rds_drift\.json$/)]);
    const onDisk = JSON.parse(readFileSync(join(r.cwd, "evidence", files[0] as string), "utf8")) as {
      rows: { field: string; verdict: string }[];
    };
    expect(onDisk.rows.length).toBeGreaterThan(4);
    expect(doc.outputs.report.rows).toEqual(onDisk.rows);
    expect(r.stderr).not.toContain(pg.password);
    expect(r.stdout).not.toContain(pg.password);
  });
});
