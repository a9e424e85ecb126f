/**
 * `--json` when a command ends without its step's result: a usage error (an unknown flag, a flag the command sets
 * itself, a stray argument, a bad value, an unknown command), a resource the user named that does not exist, an
 * AWS call that was denied, a signal. Each run of the bundled CLI against the emulator prints exactly one document,
 * `{ command, action, result: "error", error }`, alone on stdout, and the person's message on stderr, with the
 * exit status of the README's table (2 usage error, 1 an error it could not run past, 130/143 interrupted).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { scenario } from "../actions/secrets-rds-drift/scenario";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { type CliResult, errorDocument, jsonDocument, runCli } from "./cli";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator();
}, 60_000);
afterAll(() => emu?.stop());
beforeEach(async () => {
  await emu.emulator.reset();
  await emu.emulator.loadScenario(scenario());
});

/** A run in a folder holding one evidence file (so that `mask` has something to mask). */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const cwd = mkdtempSync(join(tmpdir(), "eas-cli-json-"));
  mkdirSync(join(cwd, "evidence"));
  writeFileSync(join(cwd, "evidence", "probe.log"), "HTTP/1.1 200 OK\n");
  return runCli(args, { cwd, env: { AWS_ENDPOINT_URL: emu.endpoint, ...env } });
}
/** The person's message: one `ecs-alb-smoke: <command>: <message>` line on stderr. */
const fatal = (r: CliResult, command: string) =>
  r.stderr.split("\n").find((l) => l.startsWith(`ecs-alb-smoke: ${command}: `)) ?? "";

describe("--json: a resource that does not exist", () => {
  it("drift: a secret that does not exist exits 2 with the error document naming it", async () => {
    const r = await cli(["drift", "--secret-id", "papyrus/prd/nope", "--json"]);
    expect(r.code, r.stderr).toBe(2);
    const doc = errorDocument(r);
    expect(doc).toMatchObject({ command: "drift", action: "secrets-rds-drift", result: "error" });
    expect(doc.error).toContain("Input 'secret-id': secret 'papyrus/prd/nope' was not found in us-west-2");
    // stderr keeps the human message, the document's error with the command in front.
    expect(fatal(r, "drift")).toBe(`ecs-alb-smoke: drift: ${doc.error}`);
  });

  it("drift: the same secret by an ARN that does not exist", async () => {
    const arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/prd/gone-QwErTy";
    const r = await cli(["drift", "--secret-id", arn, "--json"]);
    expect(r.code, r.stderr).toBe(2);
    expect(errorDocument(r).error).toContain(`secret '${arn}' was not found`);
  });

  it("preflight: a secret ARN that does not exist is the check's failure: exit 1 with the result document", async () => {
    const arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/prd/gone-QwErTy";
    const r = await cli([
      "preflight",
      "--ci-role-arn",
      "arn:aws:iam::123456789012:role/papyrus-ci",
      "--ci-secret-ids",
      arn,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(1);
    const doc = jsonDocument<{ result: string; failure: string }>(r);
    expect(doc).toMatchObject({ command: "preflight", result: "fail" });
    expect(doc.failure).toContain("IAM preflight failed");
    expect(r.stderr).toContain(`the secret '${arn}' does not exist in us-west-2`);
  });

  it("preflight: a registered task definition that does not exist: exit 1 (AWS's answer) with the error document", async () => {
    const r = await cli(["preflight", "--task-definition", "papyrus-task:7", "--json"]);
    expect(r.code, r.stderr).toBe(1);
    const doc = errorDocument(r);
    expect(doc).toMatchObject({ command: "preflight", action: "iam-simulate-preflight" });
    expect(doc.error).toContain("Task definition 'papyrus-task:7' could not be read");
    expect(fatal(r, "preflight")).toBe(`ecs-alb-smoke: preflight: ${doc.error}`);
  });

  it("preflight: a task definition file that does not exist exits 2 with the error document", async () => {
    const r = await cli(["preflight", "--task-definition", "deploy/missing.json", "--json"]);
    expect(r.code, r.stderr).toBe(2);
    expect(errorDocument(r).error).toContain("Input 'task-definition'");
  });
});

describe("--json: usage errors exit 2 with the error document", () => {
  it.each([
    ["an unknown flag", ["preflight", "--task-defintion", "td.json"], "Unknown option '--task-defintion'"],
    ["a flag the command sets", ["sweep", "--mode", "create"], "--mode is set by 'sweep' itself"],
    ["a stray argument", ["probe", "http://127.0.0.1:9/"], "takes flags only, got the argument 'http://127.0.0.1:9/'"],
    ["a bad value", ["probe", "--url", "ftp://example.test/"], "Input 'url'"],
    ["a bad boolean", ["probe", "--url", "http://127.0.0.1:9/", "--insecure=maybe"], "Flag --insecure takes no value"],
    ["a contradiction", ["probe", "--url", "http://127.0.0.1:9/", "--insecure", "--no-insecure"], "contradict"],
    ["a missing input", ["drift"], "Input 'secret-id': is required"],
    ["a sweep without a scope", ["sweep"], "'sweep' needs a scope"],
    ["a path outside", ["mask", "--path", "../elsewhere/**"], "Input 'path'"],
    ["smoke without a role", ["smoke", "--cluster", "c", "--service", "s"], "Input 'role-arn'"],
    ["two regions", ["drift", "--secret-id", "x", "--region", "us-east-1", "--aws-region", "eu-west-1"], "--region"],
  ])("%s", async (_what, args, message) => {
    const r = await cli([...args, "--json"]);
    expect(r.code, r.stderr).toBe(2);
    const doc = errorDocument(r);
    expect(doc).toMatchObject({ command: args[0], action: expect.any(String), result: "error" });
    expect(doc.error).toContain(message);
    expect(fatal(r, args[0] as string)).toBe(`ecs-alb-smoke: ${args[0]}: ${doc.error}`);
    // No AWS resource was touched for a usage error of the flags themselves.
    expect(emu.emulator.requests.filter((q) => /^(Create|Delete|Register)/.test(q.action))).toEqual([]);
  });

  it("an unknown command: the document names it, with no action", async () => {
    const r = await cli(["smok", "--json"]);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      command: "smok",
      action: null,
      result: "error",
      error: "unknown command 'smok'. Commands: smoke, preflight, drift, probe, mask, sweep.",
    });
    expect(r.stderr).toContain("ecs-alb-smoke: unknown command 'smok'");
  });

  it("without --json a usage error prints nothing on stdout, and --json after `--` is an argument", async () => {
    const plain = await cli(["drift", "--bogus"]);
    expect(plain.code).toBe(2);
    expect(plain.stdout).toBe("");
    const after = await cli(["drift", "--", "--json"]);
    expect(after.code).toBe(2);
    expect(after.stdout).toBe("");
    expect(after.stderr).toContain("takes flags only, got the argument '--json'");
  });
});

describe("--json: AWS refused", () => {
  const KEY = "AKIANOPERMISSIONS001";
  beforeEach(async () => {
    await emu.emulator.reset();
    await emu.emulator.loadScenario({
      ...scenario(),
      enforce: true,
      principals: { [KEY]: "arn:aws:iam::123456789012:role/no-permissions" },
      iam: {
        roles: [
          {
            name: "no-permissions",
            trustPolicy: {
              Version: "2012-10-17",
              Statement: [
                { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
              ],
            },
          },
        ],
      },
    });
  });

  it.each([
    ["drift", ["drift", "--secret-id", "papyrus/prd/db"], "secretsmanager:DescribeSecret was denied"],
    ["mask", ["mask", "--path", "evidence/**", "--secret-ids", "papyrus/prd/db"], "was denied"],
    ["sweep", ["sweep", "--run-id", "cli-20261202-000000-abcd", "--dry-run"], "was denied"],
  ])("%s: access denied exits 1 with the error document naming the denied call", async (command, args, message) => {
    const r = await cli([...args, "--json"], { AWS_ACCESS_KEY_ID: KEY });
    expect(r.code, r.stderr).toBe(1);
    const doc = errorDocument(r);
    expect(doc.command).toBe(command);
    expect(doc.error).toContain(message);
    expect(fatal(r, command)).toBe(`ecs-alb-smoke: ${command}: ${doc.error}`);
  });
});

describe("--json: interrupted", () => {
  /** A server that accepts connections and never answers: a probe waits on it until its timeout. */
  let silent: Server;
  const sockets: Socket[] = [];
  let port = 0;
  beforeAll(async () => {
    silent = createServer((s) => {
      sockets.push(s);
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s while a probe waits: exit %i with the error document", async (signal, code) => {
    let sent = false;
    const r = await runCli(
      ["probe", "--url", `http://127.0.0.1:${port}/healthz`, "--timeout-seconds", "60", "--json"],
      {
        env: { AWS_ENDPOINT_URL: emu.endpoint },
        onStderr: (all, child) => {
          if (sent || !all.includes("Probing 1 URL")) return;
          sent = true;
          setTimeout(() => child.kill(signal), 300);
        },
      },
    );
    expect(sent, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(code);
    const doc = errorDocument(r);
    expect(doc).toMatchObject({ command: "probe", action: "http-evidence-probe" });
    expect(doc.error).toBe(`interrupted by ${signal} before the step finished.`);
    expect(fatal(r, "probe")).toBe(`ecs-alb-smoke: probe: ${doc.error}`);
  });
});
