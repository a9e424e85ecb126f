/**
 * Runs the bundled command line (dist/cli/index.js) as a person does in a
 * terminal: a separate node process, no GITHUB_* variables, credentials and
 * region from the environment, the AWS emulator through AWS_ENDPOINT_URL, and
 * the loopback guard so nothing leaves the machine.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { bundleNode, bundlePath, bundleProcessEnv, ROOT } from "../harness/runner";

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  cwd: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Called with stderr as it grows (to send a signal at a chosen moment). */
  onStderr?: (all: string, child: ChildProcess) => void;
  /**
   * Run it on a terminal: a pseudo-terminal of util-linux `script`, whose
   * output (the CLI's stdout and stderr, both on the terminal) is `stdout`.
   */
  tty?: boolean;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

export function startCli(args: string[], opts: CliOptions = {}): { child: ChildProcess; result: Promise<CliResult> } {
  const cwd = opts.cwd ?? mkdtempSync(join(tmpdir(), "eas-cli-"));
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "LANG", "TZ"]) {
    const v = process.env[key];
    if (v !== undefined) env[key] = v;
  }
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: "AKIAEMULATOR00000001",
    AWS_SECRET_ACCESS_KEY: "emulator-secret-key",
    AWS_REGION: "us-west-2",
    AWS_EC2_METADATA_DISABLED: "true",
    // No shared config of the developer's machine.
    AWS_CONFIG_FILE: join(cwd, ".no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(cwd, ".no-aws-credentials"),
    ECS_ALB_SMOKE_RETRY_BASE_MS: "20",
    ECS_ALB_SMOKE_RETRY_CAP_MS: "200",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    NODE_OPTIONS: `--import=${join(ROOT, "test/harness/loopback-guard.mjs")}`,
    ...bundleProcessEnv(),
  });
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const command = [bundleNode(), bundlePath("cli"), ...args];
  const child = opts.tty
    ? spawn("script", ["-q", "-e", "-c", command.map(shellQuote).join(" "), "/dev/null"], {
        cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      })
    : spawn(command[0] as string, command.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    opts.onStderr?.(stderr, child);
  });
  const timeoutMs = opts.timeoutMs ?? 90_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`ecs-alb-smoke ${args.join(" ")} did not finish in ${timeoutMs} ms.\n${stderr}`));
      else resolve({ code, signal, stdout, stderr, cwd });
    });
  });
  return { child, result };
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCli(args, opts).result;
}

/**
 * A workflow command as @actions/core writes it on stdout (`::add-mask::<secret>`, `::warning file=…::…`,
 * `::debug::…`): outside a runner, nothing hides it. The command line never writes one.
 */
export const WORKFLOW_COMMAND = /^::[\w-]+(?: [^\n]*?)?::/m;

/** Neither stream of the bundle's run carries a workflow command. */
export function expectNoWorkflowCommand(r: CliResult): void {
  expect(r.stdout, "stdout").not.toMatch(WORKFLOW_COMMAND);
  expect(r.stderr, "stderr").not.toMatch(WORKFLOW_COMMAND);
}

/** The keys of the `--json` document, in its order (README, "Output"): `{ command, action, result, failure?, outputs }`. */
const DOCUMENT_KEYS = ["command", "action", "result", "failure", "outputs"];

/**
 * The one JSON document of a `--json` run, read from the bundle's stdout: stdout is that document and nothing else
 * (exactly as the console prints it, two-space indentation and one newline, so no line before or after it), its
 * keys are the documented ones, and no workflow command is on either stream.
 */
export function jsonDocument<T>(r: CliResult): T {
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(r.stdout).toBe(`${JSON.stringify(doc, null, 2)}\n`);
  expect(Object.keys(doc)).toEqual(DOCUMENT_KEYS.filter((k) => k !== "failure" || "failure" in doc));
  expect(doc).toMatchObject({ command: expect.any(String), action: expect.any(String), outputs: expect.any(Object) });
  expect(["pass", "fail"]).toContain(doc.result);
  expectNoWorkflowCommand(r);
  return doc as T;
}

/**
 * The document of a `--json` run that could not run its step at all (README, "Output"):
 * `{ command, action, result: "error", error }` and nothing else on stdout.
 */
export function errorDocument(r: CliResult): { command: string; action: string; result: "error"; error: string } {
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(r.stdout).toBe(`${JSON.stringify(doc, null, 2)}\n`);
  expect(Object.keys(doc)).toEqual(["command", "action", "result", "error"]);
  expect(doc).toMatchObject({ result: "error", error: expect.any(String) });
  expectNoWorkflowCommand(r);
  return doc as { command: string; action: string; result: "error"; error: string };
}
