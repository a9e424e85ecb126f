/**
 * Runs a committed dist/ bundle the way the GitHub Actions runner does: a
 * separate `node` process with INPUT_* variables, file commands
 * (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV, GITHUB_STEP_SUMMARY, GITHUB_PATH)
 * and, for a post step, the saved state as STATE_* variables.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { NODE24_VERSION, node24Path } from "../../scripts/node24";

export const ROOT = resolve(new URL("../..", import.meta.url).pathname);
const GUARD = join(ROOT, "test/harness/loopback-guard.mjs");

/**
 * What every bundle process the tests start gets on top of its own variables:
 * a V8 compile cache (NODE_COMPILE_CACHE, Node 22.1 and later), so each
 * multi-megabyte bundle is compiled once per suite run instead of once per
 * step, which halves a step's start-up CPU time. V8 checks each cached entry
 * against the file's content, so a rebuilt bundle is compiled afresh. It
 * changes nothing the bundle does or prints.
 */
export function bundleProcessEnv(): Record<string, string> {
  return { NODE_COMPILE_CACHE: join(tmpdir(), "ecs-alb-smoke-compile-cache") };
}

let fallbackWarned = false;
/**
 * The node that runs bundles: the pinned Node 24 the actions declare
 * (`runs.using: node24`), as the runner runs them. The suite's global setup
 * installs it; in CI a missing binary fails every end-to-end test loudly
 * rather than passing on the machine's Node 20. Elsewhere (no registry at
 * hand) the machine's node stands in, with a warning.
 */
export function bundleNode(): string {
  const path = node24Path();
  if (existsSync(path)) return path;
  const hint = `Node ${NODE24_VERSION} is not installed at ${path}: run \`npm run setup:node24\`.`;
  if (process.env.CI)
    throw new Error(`${hint} CI runs the bundles under the Node the actions declare, never the machine's.`);
  if (!fallbackWarned) {
    fallbackWarned = true;
    process.stderr.write(`warning: ${hint} Bundles run under ${process.version} meanwhile.\n`);
  }
  return process.execPath;
}

export interface Annotation {
  level: "error" | "warning" | "notice" | "debug";
  message: string;
  file?: string;
  line?: number;
  col?: number;
  title?: string;
}

export interface RunOptions {
  inputs?: Record<string, string | number | boolean>;
  /** Extra environment (AWS_ENDPOINT_URL, credentials, GITHUB_API_URL ...). */
  env?: Record<string, string | undefined>;
  /** For post steps: the state saved by main (becomes STATE_<name>). */
  state?: Record<string, string>;
  /** Working directory and GITHUB_WORKSPACE; a fresh temp dir by default. */
  workspace?: string;
  /** GITHUB_EVENT_PATH contents. */
  event?: unknown;
  eventName?: string;
  /** Kill the process with SIGKILL after this many ms (crash simulation). */
  killAfterMs?: number;
  /** Hard limit; the process is killed and the test fails loudly. */
  timeoutMs?: number;
  /** Run this command instead of `node dist/<name>/index.js` (a workflow's `run:` step). */
  command?: string[];
  /** RUNNER_TEMP to share between the steps of one job; a fresh one by default. */
  runnerTemp?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  env: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** Values registered with ::add-mask:: */
  masked: string[];
  workspace: string;
  runnerTemp: string;
}

/** Parses the `name=value` / `name<<DELIM\nvalue\nDELIM` file-command format. */
export function parseFileCommand(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "") continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] ?? "");
      out[name as string] = value.join("\n");
      continue;
    }
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
}
function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/g, ":").replace(/%2C/g, ",");
}

/** Parses `::error file=a,line=3::message` workflow commands from stdout. */
export function parseCommands(stdout: string): { annotations: Annotation[]; masked: string[] } {
  const annotations: Annotation[] = [];
  const masked: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const [, command, props = "", data = ""] = m;
    if (command === "add-mask") {
      masked.push(unescapeData(data));
      continue;
    }
    if (command !== "error" && command !== "warning" && command !== "notice" && command !== "debug") continue;
    const a: Annotation = { level: command, message: unescapeData(data) };
    for (const kv of props.split(",").filter(Boolean)) {
      const eq = kv.indexOf("=");
      const key = kv.slice(0, eq);
      const value = unescapeProperty(kv.slice(eq + 1));
      if (key === "file") a.file = value;
      else if (key === "line") a.line = Number(value);
      else if (key === "col") a.col = Number(value);
      else if (key === "title") a.title = value;
    }
    annotations.push(a);
  }
  return { annotations, masked };
}

export function bundlePath(name: string): string {
  const path = join(ROOT, "dist", name, "index.js");
  if (!existsSync(path)) throw new Error(`${path} does not exist: run \`npm run build\` first`);
  return path;
}

export interface RunningStep {
  child: ChildProcess;
  result: Promise<RunResult>;
}

/** The files and environment the runner gives one step (shared with the in-process runner, test/harness/in-process.ts). */
export interface StepSetup {
  env: Record<string, string>;
  files: Record<"GITHUB_OUTPUT" | "GITHUB_STATE" | "GITHUB_ENV" | "GITHUB_PATH" | "GITHUB_STEP_SUMMARY", string>;
  workspace: string;
  runnerTemp: string;
}

/** A step's workspace, RUNNER_TEMP, file-command files and environment, as the runner prepares them. */
export function prepareStep(name: string, opts: RunOptions = {}): StepSetup {
  const workspace = opts.workspace ?? mkdtempSync(join(tmpdir(), "eas-ws-"));
  mkdirSync(workspace, { recursive: true });
  const runnerTemp = opts.runnerTemp ?? mkdtempSync(join(tmpdir(), "eas-rt-"));
  // The runner gives every step its own file-command files.
  const stepFiles = mkdtempSync(join(runnerTemp, "_step-"));
  const files = {
    GITHUB_OUTPUT: join(stepFiles, "output"),
    GITHUB_STATE: join(stepFiles, "state"),
    GITHUB_ENV: join(stepFiles, "env"),
    GITHUB_PATH: join(stepFiles, "path"),
    GITHUB_STEP_SUMMARY: join(stepFiles, "summary.md"),
  };
  for (const f of Object.values(files)) writeFileSync(f, "");
  const eventPath = join(stepFiles, "event.json");
  writeFileSync(eventPath, JSON.stringify(opts.event ?? {}));

  const env: Record<string, string> = {};
  // Only what a runner provides, plus PATH/HOME: no developer AWS profile leaks in.
  for (const key of ["PATH", "HOME", "LANG", "TZ", "SystemRoot"]) {
    const v = process.env[key];
    if (v !== undefined) env[key] = v;
  }
  Object.assign(env, files, {
    GITHUB_ACTIONS: "true",
    CI: "true",
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: "Linux",
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: "octo-org/papyrus",
    GITHUB_REPOSITORY_OWNER: "octo-org",
    GITHUB_RUN_ID: "4242424242",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_JOB: "smoke",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_REF: "refs/heads/main",
    GITHUB_EVENT_NAME: opts.eventName ?? "workflow_dispatch",
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_API_URL: "http://127.0.0.1:9/unreachable-github-api",
    GITHUB_ACTION: name,
    AWS_ACCESS_KEY_ID: "AKIAEMULATOR00000001",
    AWS_SECRET_ACCESS_KEY: "emulator-secret-key",
    AWS_REGION: "us-west-2",
    AWS_EC2_METADATA_DISABLED: "true",
    ECS_ALB_SMOKE_RETRY_BASE_MS: "20",
    ECS_ALB_SMOKE_RETRY_CAP_MS: "200",
    // The GitHub client's retry waits and write spacing (1 s each in production), test-only: see githubWaits().
    ECS_ALB_SMOKE_GITHUB_WAIT_MS: "0",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    NODE_OPTIONS: `--import=${GUARD}`,
    ...bundleProcessEnv(),
  });
  for (const [k, v] of Object.entries(opts.inputs ?? {})) {
    env[`INPUT_${k.replace(/ /g, "_").toUpperCase()}`] = String(v);
  }
  for (const [k, v] of Object.entries(opts.state ?? {})) env[`STATE_${k}`] = v;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }

  return { env, files, workspace, runnerTemp };
}

/** What a finished step left: outputs, state, env, summary from its files; annotations and masks from its stdout. */
export function stepResult(
  setup: StepSetup,
  run: { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string },
): RunResult {
  const { files, workspace, runnerTemp } = setup;
  const { annotations, masked } = parseCommands(run.stdout);
  return {
    ...run,
    outputs: parseFileCommand(readFileSync(files.GITHUB_OUTPUT, "utf8")),
    state: parseFileCommand(readFileSync(files.GITHUB_STATE, "utf8")),
    env: parseFileCommand(readFileSync(files.GITHUB_ENV, "utf8")),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, "utf8"),
    annotations,
    masked,
    workspace,
    runnerTemp,
  };
}

/** Starts a step without waiting for it (for kill tests). */
export function startBundle(name: string, opts: RunOptions = {}): RunningStep {
  const setup = prepareStep(name, opts);
  const { env, workspace } = setup;
  const [command, ...args] = opts.command ?? [bundleNode(), bundlePath(name)];
  const child = spawn(command as string, args, { cwd: workspace, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const timers: NodeJS.Timeout[] = [];
  if (opts.killAfterMs !== undefined) timers.push(setTimeout(() => child.kill("SIGKILL"), opts.killAfterMs));
  const timeoutMs = opts.timeoutMs ?? 90_000;
  let timedOut = false;
  timers.push(
    setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs),
  );

  const result = new Promise<RunResult>((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      for (const t of timers) clearTimeout(t);
      if (timedOut) {
        reject(new Error(`${name} did not finish within ${timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        return;
      }
      resolvePromise(stepResult(setup, { code, signal, stdout, stderr }));
    });
  });
  return { child, result };
}

/** Runs `dist/<name>/index.js` to completion. */
export function runBundle(name: string, opts: RunOptions = {}): Promise<RunResult> {
  return startBundle(name, opts).result;
}

/** Runs `dist/<name>-post/index.js` with the state a main step saved, in the same workspace. */
export function runPostBundle(name: string, main: Pick<RunResult, "state" | "workspace">, opts: RunOptions = {}) {
  return runBundle(`${name}-post`, { workspace: main.workspace, ...opts, state: { ...main.state, ...opts.state } });
}

/** The ::error:: messages, for assertions. */
export function errors(result: RunResult): string[] {
  return result.annotations.filter((a) => a.level === "error").map((a) => a.message);
}
