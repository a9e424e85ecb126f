/**
 * Runs an action's step in THIS process, the way its `dist/` bundle runs it,
 * for behaviour tests that need no real process: `runInProcess(name, opts)`
 * takes the same `RunOptions` as `runBundle` (runner.ts) and returns the same
 * `RunResult` (exit code, outputs, state, env, summary, annotations, masked
 * values, stdout, workspace, runnerTemp), so a test swaps `runBundle` for
 * `runInProcess` (and `runPostBundle` for `runPostInProcess`) with its
 * assertions unchanged — and needs no `dist/` rebuild after an edit to `src/`.
 *
 * How: the step gets the runner's workspace, RUNNER_TEMP, file-command files
 * and environment from `prepareStep` (the very set a spawned bundle gets:
 * INPUT_* with the runner's name mangling, STATE_* for a post step,
 * GITHUB_*, the emulator's credentials, the short retry backoff, `opts.env`
 * on top). Then the entry's one line — `runAction(...)` or `runPost(...)`,
 * the same call as `src/actions/<name>/main.ts` or `post.ts` (see `ENTRIES`)
 * — runs with the runner's own seam (`runnerDeps()`: @actions/core writes the
 * files, job-report masks what people see) while the process's stdout and
 * stderr are captured, and the result is read from the files and the
 * captured workflow commands exactly as `runBundle` reads them (`stepResult`).
 * Everything the action writes past the seam (a PR comment's summary, a
 * drift failure's summary) lands in the same files.
 *
 * Isolation: for the step's duration `process.env` holds the step's
 * variables and no other INPUT_*, STATE_*, GITHUB_*, RUNNER_*, ACTIONS_* or
 * AWS_* (nothing leaks from the developer's shell or an earlier test); the
 * working directory is the workspace; `process.exitCode` is the step's; the
 * stray-error handlers `runAction` installs replace the test runner's. All of
 * it is restored afterwards. Steps run one at a time (concurrent calls queue),
 * since the environment is the process's.
 *
 * What only a real process shows stays with `startBundle`/`runBundle`: a kill
 * (`killAfterMs`), another `command`, the bundle itself (one smoke test per
 * bundle), what is left after the process exits. One difference to know:
 * job-report remembers account IDs it has seen (to mask them wherever they
 * appear next) for the life of the process, so in process a report may be
 * masked more than in a fresh bundle, never less.
 */
import * as core from "@actions/core";
import type { RunOptions, RunResult } from "./runner";
import { prepareStep, stepResult } from "./runner";

type Entry = () => Promise<void>;

/** Each bundle's entry point, as its main.ts / post.ts calls it (loaded on first use). */
const ENTRIES: Record<string, Entry> = {
  "ephemeral-alb": async () => {
    const { runAction } = await import("../../src/lib/run-action");
    const { actionDeps } = await import("../../src/actions/ephemeral-alb/deps");
    const { readInputs } = await import("../../src/actions/ephemeral-alb/inputs");
    const { run } = await import("../../src/actions/ephemeral-alb/run");
    await runAction("ephemeral-alb", readInputs, (inputs, seam) => run(inputs, actionDeps(inputs, seam)));
  },
  "ephemeral-alb-post": async () => {
    const { runPost } = await import("../../src/lib/run-action");
    const { postDeps } = await import("../../src/actions/ephemeral-alb/deps");
    const { destroyFromState } = await import("../../src/actions/ephemeral-alb/destroy");
    await runPost("ephemeral-alb", (seam) => destroyFromState(postDeps(seam)));
  },
  "evidence-mask": async () => {
    const { runAction } = await import("../../src/lib/run-action");
    const { actionDeps } = await import("../../src/actions/evidence-mask/deps");
    const { readInputs } = await import("../../src/actions/evidence-mask/inputs");
    const { run } = await import("../../src/actions/evidence-mask/run");
    await runAction("evidence-mask", readInputs, (inputs, seam) => run(inputs, actionDeps(seam)));
  },
  "http-evidence-probe": async () => {
    const { runAction } = await import("../../src/lib/run-action");
    const { actionDeps } = await import("../../src/actions/http-evidence-probe/deps");
    const { readProbeInputs } = await import("../../src/actions/http-evidence-probe/inputs");
    const { run } = await import("../../src/actions/http-evidence-probe/run");
    await runAction("http-evidence-probe", readProbeInputs, (inputs, seam) => run(inputs, actionDeps(seam)));
  },
  "iam-simulate-preflight": async () => {
    const { runAction } = await import("../../src/lib/run-action");
    const { actionDeps } = await import("../../src/actions/iam-simulate-preflight/deps");
    const { readPreflightInputs } = await import("../../src/actions/iam-simulate-preflight/inputs");
    const { runPreflight } = await import("../../src/actions/iam-simulate-preflight/run");
    await runAction("iam-simulate-preflight", readPreflightInputs, (inputs, seam) =>
      runPreflight(inputs, actionDeps(inputs, seam)),
    );
  },
  "register-fargate-targets": async () => {
    const { runAction } = await import("../../src/lib/run-action");
    const { actionDeps } = await import("../../src/actions/register-fargate-targets/deps");
    const { readInputs } = await import("../../src/actions/register-fargate-targets/inputs");
    const { run } = await import("../../src/actions/register-fargate-targets/run");
    await runAction("register-fargate-targets", readInputs, (inputs, seam) => run(inputs, actionDeps(inputs, seam)));
  },
  "register-fargate-targets-post": async () => {
    const { runPost } = await import("../../src/lib/run-action");
    const { postDeps } = await import("../../src/actions/register-fargate-targets/deps");
    const { deregisterFromState } = await import("../../src/actions/register-fargate-targets/deregister");
    await runPost("register-fargate-targets", (seam) => deregisterFromState(postDeps(seam)));
  },
  "secrets-rds-drift": async () => {
    const { runAction } = await import("../../src/lib/run-action");
    const { readDriftInputs } = await import("../../src/actions/secrets-rds-drift/inputs");
    const { actionDeps } = await import("../../src/actions/secrets-rds-drift/deps");
    const { run } = await import("../../src/actions/secrets-rds-drift/run");
    await runAction("secrets-rds-drift", readDriftInputs, (inputs, seam) => run(inputs, actionDeps(inputs, seam)));
  },
};

/** The entry names runInProcess knows: every bundle under dist/ but the command line. */
export const IN_PROCESS_ENTRIES = Object.keys(ENTRIES);

/** Variables of the runner's kind that only the step's own environment may set. */
const RUNNER_VARIABLE = /^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_|AWS_)/;
const TRAPPED = ["unhandledRejection", "uncaughtException"] as const;

let queue: Promise<unknown> = Promise.resolve();

/** Runs the step `name` (`ephemeral-alb`, `ephemeral-alb-post`, …) in process; see the top of the file. */
export function runInProcess(name: string, opts: RunOptions = {}): Promise<RunResult> {
  const entry = ENTRIES[name];
  if (!entry) throw new Error(`runInProcess: no entry '${name}'; known: ${IN_PROCESS_ENTRIES.join(", ")}`);
  if (opts.killAfterMs !== undefined || opts.command !== undefined)
    throw new Error("runInProcess: killAfterMs and command need a real process: use startBundle/runBundle.");
  const step = queue.then(() => runNow(name, entry, opts));
  queue = step.catch(() => undefined);
  return step;
}

/** The post step in process with the state a main step saved, in the same workspace (as runPostBundle). */
export function runPostInProcess(name: string, main: Pick<RunResult, "state" | "workspace">, opts: RunOptions = {}) {
  return runInProcess(`${name}-post`, { workspace: main.workspace, ...opts, state: { ...main.state, ...opts.state } });
}

async function runNow(name: string, entry: Entry, opts: RunOptions): Promise<RunResult> {
  const setup = prepareStep(name, opts);
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  const savedExitCode = process.exitCode;
  const savedListeners = {
    unhandledRejection: process.listeners("unhandledRejection"),
    uncaughtException: process.listeners("uncaughtException"),
  };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  let stdout = "";
  let stderr = "";
  const capture =
    (append: (text: string) => void) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      done?.();
      return true;
    };

  for (const key of Object.keys(process.env)) if (RUNNER_VARIABLE.test(key)) delete process.env[key];
  Object.assign(process.env, setup.env);
  // @actions/core keeps the summary file it first wrote to: a fresh step writes its own.
  (core.summary as unknown as { _filePath?: string | undefined })._filePath = undefined;
  core.summary.emptyBuffer();
  try {
    process.chdir(setup.workspace);
  } catch {
    // A worker thread cannot change directory; GITHUB_WORKSPACE still says where the workspace is.
  }
  process.exitCode = undefined;
  for (const event of TRAPPED) process.removeAllListeners(event);
  process.stdout.write = capture((t) => {
    stdout += t;
  }) as typeof process.stdout.write;
  process.stderr.write = capture((t) => {
    stderr += t;
  }) as typeof process.stderr.write;

  const timeoutMs = opts.timeoutMs ?? 90_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      entry(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${name} did not finish within ${timeoutMs} ms (in process).\nstdout:\n${stdout}`)),
          timeoutMs,
        );
      }),
    ]);
    const code = typeof process.exitCode === "number" ? process.exitCode : Number(process.exitCode ?? 0);
    return stepResult(setup, { code, signal: null, stdout, stderr });
  } finally {
    clearTimeout(timer);
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    for (const event of TRAPPED) process.removeAllListeners(event);
    for (const listener of savedListeners.unhandledRejection) process.on("unhandledRejection", listener);
    for (const listener of savedListeners.uncaughtException) process.on("uncaughtException", listener);
    process.exitCode = savedExitCode;
    try {
      process.chdir(savedCwd);
    } catch {
      // See above.
    }
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    (core.summary as unknown as { _filePath?: string | undefined })._filePath = undefined;
    core.summary.emptyBuffer();
  }
}
