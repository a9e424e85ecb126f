/**
 * `probe` and `mask` from a terminal, and credentials the way the AWS CLI
 * finds them (a named profile of the shared files, its region).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { incidentTaskDefinition, scenario, workspaceWith } from "../actions/iam-simulate-preflight/scenario";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { type SampleApp, startSampleApp } from "../fixtures/sample-app";
import { type CliResult, jsonDocument, runCli } from "./cli";

let app: SampleApp;
beforeAll(async () => {
  app = await startSampleApp();
}, 30_000);
afterAll(async () => {
  await app?.stop();
});

describe("ecs-alb-smoke probe", () => {
  it("writes the curl -si evidence and exits 0; --json carries the rows of probe_summary.json", async () => {
    const r = await runCli(["probe", "--url", `${app.url}/healthz`, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    type Row = { name: string; result: string; status: number };
    const doc = jsonDocument<{ result: string; outputs: { report: { probes: Row[] } } }>(r);
    expect(doc.result).toBe("pass");
    const files = readdirSync(join(r.cwd, "evidence"));
    expect(files.some((f) => /^\d{8}_\d{6}_healthz\.log$/.test(f))).toBe(true);
    const summary = files.find((f) => f.endsWith("_probe_summary.json")) as string;
    const onDisk = JSON.parse(readFileSync(join(r.cwd, "evidence", summary), "utf8")) as { probes: Row[] };
    const rows = (list: Row[]) => list.map((p) => [p.name, p.result, p.status]);
    expect(rows(doc.outputs.report.probes)).toEqual([["healthz", "pass", 200]]);
    expect(rows(doc.outputs.report.probes)).toEqual(rows(onDisk.probes));
    const log = readFileSync(join(r.cwd, "evidence", files.find((f) => f.endsWith("_healthz.log")) as string), "utf8");
    expect(log).toMatch(/^HTTP\/1\.1 200 OK\r?\n/);
  });

  it("exits 1 when an expectation fails, with the table on stdout", async () => {
    const r = await runCli([
      "probe",
      "--url",
      `${app.url}/healthz`,
      "--expect-status",
      "404",
      "--deadline-seconds",
      "0",
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^healthz +http:\/\/[\d.]+:\d+\/healthz +200 /m);
    expect(r.stdout).toContain("probe: FAIL");
  });

  it("colours on a terminal only, and never with NO_COLOR (https://no-color.org)", async () => {
    const args = ["probe", "--url", `${app.url}/healthz`];
    const tty = await runCli(args, { tty: true });
    expect(tty.code, tty.stdout).toBe(0);
    // The verdict in green, the elapsed-time stamps dimmed, the progress in cyan.
    expect(tty.stdout).toContain("\u001b[32mprobe: PASS in ");
    expect(tty.stdout).toMatch(/\u001b\[2m\[ *\d+\.\ds\]\u001b\[22m \u001b\[36mProbing 1 URL/);

    const noColor = await runCli(args, { tty: true, env: { NO_COLOR: "1" } });
    expect(noColor.code, noColor.stdout).toBe(0);
    expect(noColor.stdout).toContain("probe: PASS in ");
    expect(noColor.stdout).not.toContain("\u001b[");

    const pipe = await runCli(args);
    expect(pipe.code, pipe.stderr).toBe(0);
    expect(`${pipe.stdout}${pipe.stderr}`).not.toContain("\u001b[");
  });
});

describe("ecs-alb-smoke mask", () => {
  it("masks the evidence in place and verifies it; verify alone fails on an unmasked file", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "eas-cli-mask-"));
    mkdirSync(join(cwd, "evidence"));
    const file = join(cwd, "evidence", "20251105_063210_alb_resources.json");
    const text =
      '{"arn":"arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/x/1","db":"papyrus-prd.c9akciq32xyz.us-west-2.rds.amazonaws.com"}\n';
    writeFileSync(file, text);
    // No AWS at all: the caller's account cannot be read, ARNs are masked anyway.
    const env = { AWS_ENDPOINT_URL: "http://127.0.0.1:9" };

    const verify = await runCli(["mask", "--mode", "verify"], { cwd, env });
    expect(verify.code, verify.stderr).toBe(1);
    expect(readFileSync(file, "utf8")).toBe(text);

    const masked = await runCli(["mask"], { cwd, env });
    expect(masked.code, masked.stderr).toBe(0);
    const after = readFileSync(file, "utf8");
    expect(after).not.toContain("123456789012");
    expect(after).toContain("****.****.us-west-2.rds.amazonaws.com");
    expect(readdirSync(join(cwd, "evidence")).some((f) => f.endsWith("_mask_report.json"))).toBe(true);
    expect(masked.stdout).toContain("mask: PASS");
  });

  it("in a job step (GITHUB_WORKSPACE elsewhere), checks and rewrites the current directory's files, one tree", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "eas-cli-mask-cwd-"));
    const workspace = mkdtempSync(join(tmpdir(), "eas-cli-mask-ws-"));
    const text = '{"arn":"arn:aws:iam::123456789012:role/x"}\n';
    // The same relative path in both trees; in the current directory, `proj` is a link leading out of it.
    mkdirSync(join(workspace, "proj"));
    writeFileSync(join(workspace, "proj", "a.json"), text);
    const outside = mkdtempSync(join(tmpdir(), "eas-cli-mask-out-"));
    writeFileSync(join(outside, "a.json"), text);
    symlinkSync(outside, join(cwd, "proj"));
    const env = { AWS_ENDPOINT_URL: "http://127.0.0.1:9", GITHUB_WORKSPACE: workspace };
    const r = await runCli(["mask", "--path", "proj/**"], { cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/path/);
    expect(readFileSync(join(outside, "a.json"), "utf8")).toBe(text);
    expect(readFileSync(join(workspace, "proj", "a.json"), "utf8")).toBe(text);
  });
});

describe("credentials and region from the SDK's default chain", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ scenario: scenario({}) });
  });
  afterAll(async () => {
    await emu?.stop();
  });

  /** The preflight's --json ran in that region: exit 1 on the incident, its secret rows' ARNs in the region. */
  const expectRowsIn = (r: CliResult, region: string) => {
    expect(r.code, r.stderr).toBe(1);
    const doc = jsonDocument<{ outputs: { report: { rows: { resource: string }[] } } }>(r);
    expect(doc.outputs.report.rows.some((x) => x.resource.startsWith(`arn:aws:secretsmanager:${region}:`))).toBe(true);
  };

  it("--profile picks a profile of the shared files, and its region is used", async () => {
    const cwd = workspaceWith("td.json", incidentTaskDefinition());
    writeFileSync(
      join(cwd, "aws-credentials"),
      "[papyrus]\naws_access_key_id = AKIAEMULATOR00000001\naws_secret_access_key = from-the-profile\n",
    );
    writeFileSync(join(cwd, "aws-config"), "[profile papyrus]\nregion = us-west-2\n");
    const env = {
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_REGION: undefined,
      AWS_SHARED_CREDENTIALS_FILE: join(cwd, "aws-credentials"),
      AWS_CONFIG_FILE: join(cwd, "aws-config"),
    };
    const without = await runCli(["preflight", "--task-definition", "td.json"], { cwd, env });
    expect(without.code).toBe(2);
    expect(without.stderr).toContain("Input 'aws-region': no AWS region was given");

    const r = await runCli(["preflight", "--task-definition", "td.json", "--profile", "papyrus", "--json"], {
      cwd,
      env,
    });
    expectRowsIn(r, "us-west-2");
    const calls = emu.emulator.requests.filter((q) => q.service === "iam");
    expect(calls.length).toBeGreaterThan(0);
  });

  it("CloudShell's container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI and its token) when nothing else is given", async () => {
    // CloudShell serves the session's credentials on a local endpoint; the SDK's chain fetches them with the token.
    const TOKEN = "cloudshell-auth-token";
    const KEY = "ASIACLOUDSHELL000001";
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== TOKEN) {
        res.writeHead(401).end();
        return;
      }
      const expiration = new Date(Date.now() + 3_600_000).toISOString();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          AccessKeyId: KEY,
          SecretAccessKey: "cloudshell-secret",
          Token: "session",
          Expiration: expiration,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const role = "arn:aws:iam::123456789012:role/cloudshell-operator";
    await emu.emulator.loadScenario({ principals: { [KEY]: role } });
    try {
      const cwd = workspaceWith("td.json", incidentTaskDefinition());
      const since = emu.emulator.requests.length;
      const r = await runCli(["preflight", "--task-definition", "td.json", "--json"], {
        cwd,
        env: {
          AWS_ENDPOINT_URL: emu.endpoint,
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/credentials`,
          AWS_CONTAINER_AUTHORIZATION_TOKEN: TOKEN,
        },
      });
      expectRowsIn(r, "us-west-2");
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((h) => h === TOKEN)).toBe(true);
      const calls = emu.emulator.requests.slice(since);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((q) => q.principal === role)).toBe(true);
    } finally {
      server.close();
    }
  });

  it("--region gives the region when neither the environment nor a profile does; it may not contradict --aws-region", async () => {
    const cwd = workspaceWith("td.json", incidentTaskDefinition());
    const env = { AWS_ENDPOINT_URL: emu.endpoint, AWS_REGION: undefined };
    const r = await runCli(["preflight", "--task-definition", "td.json", "--region", "us-west-2", "--json"], {
      cwd,
      env,
    });
    expectRowsIn(r, "us-west-2");

    const both = await runCli(
      ["preflight", "--task-definition", "td.json", "--region", "us-west-2", "--aws-region", "eu-west-1"],
      { cwd, env },
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--region and --aws-region name different regions: give one.");
  });
});
