/**
 * The seam between the runner and the actions: the only module (with
 * job-report.ts, which masks and writes what people see) that talks to
 * `@actions/core`. Every action's `run(inputs, deps)` gets the same
 * `ActionDeps` — a logger, the job summary, a versioned state store for its
 * post step, outputs, the clock — built here for the runner
 * (`runnerDeps()`), by the command line for a terminal, and by
 * test/harness/fake-deps.ts for tests. test/security/report-seam.test.ts
 * checks that no other file under src/ imports `@actions/core`, and that
 * nothing the command line runs reaches it: the command line takes only
 * types from here (and its in-memory state from saved-state.ts).
 */
import { ConfigurationError, errorMessage } from "./errors";
import { inertLogText } from "./inert-log";
import type { InputSource } from "./inputs";
import { type AnnotationLevel, annotate, configureJobReport, failStep, writeSummary } from "./job-report";
import { redactor } from "./masking";
import { type Clock, realClock } from "./retry";
import { parseVersioned, type StateStore } from "./saved-state";

export type { StateStore, Versioned } from "./saved-state";

// Awaited at load, as in job-report.ts: the same chunk, parsed apart from the start-up script.
const core = await import(/* webpackChunkName: "actions-core" */ "@actions/core");

export type OutputValue = string | number | boolean | object;

export interface ActionResult {
  /** Written as step outputs; objects and arrays as JSON. */
  outputs: Record<string, OutputValue>;
  /** Set when the step must fail after its outputs (and evidence) are written. */
  failure?: string;
}

/** Where an annotation points (a pull request shows it on the line) and its title. */
export interface AnnotationAt {
  title?: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
}

/** The step's log. Annotations (warning, error, annotation) are masked as job-report masks them. */
export interface Log {
  info(message: string): void;
  /** Shown only with step debug logging on. */
  debug(message: string): void;
  /** A warning annotation. */
  warning(message: string, at?: AnnotationAt): void;
  /** An error annotation (the step's result is the caller's). */
  error(message: string, at?: AnnotationAt): void;
  annotation(level: AnnotationLevel, message: string, at?: AnnotationAt): void;
  /** A value the log masks (`***`) from now on: `::add-mask::`. */
  secret(value: string): void;
}

/** The job summary: appended to, cut (and saying so) at the runner's 1 MiB step summary limit. */
export interface SummaryWriter {
  /** false when nothing was written (no summary file). `hint` says where the complete report is when it is cut. */
  write(markdown: string, opts?: { hint?: string }): Promise<boolean>;
}

/** What later steps see: outputs, and environment variables for the rest of the job. */
export interface Outputs {
  set(name: string, value: OutputValue): void;
  exportVariable(name: string, value: string): void;
}

/** The same for every action's `run`. */
export interface ActionDeps {
  log: Log;
  summary: SummaryWriter;
  state: StateStore;
  outputs: Outputs;
  clock: Clock;
}

/** Reads an input the way the runner passes it (INPUT_<NAME>), not trimmed of meaning. */
export const actionInputs: InputSource = (name) => core.getInput(name);

function outputText(value: OutputValue): string {
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The runner's: @actions/core for the log, state and outputs; job-report for what people see (masked). */
export function runnerDeps(): ActionDeps {
  const annotation = (level: AnnotationLevel, message: string, at: AnnotationAt = {}) => annotate(level, message, at);
  // The runner masks registered values in what it reads; a value holding `##[` or starting a line with `::` would
  // be changed by inertLogText before that and escape the mask. So they are replaced here first, as the runner
  // would show them (`***`), as the CLI's console does.
  const secrets = new Set<string>();
  return {
    log: {
      info: (message) => core.info(inertLogText(secrets.size > 0 ? redactor(secrets)(message) : message)),
      debug: (message) => core.debug(message),
      warning: (message, at) => annotation("warning", message, at),
      error: (message, at) => annotation("error", message, at),
      annotation,
      secret: (value) => {
        core.setSecret(value);
        if (value.trim() !== "") secrets.add(value);
      },
    },
    summary: { write: (markdown, opts) => writeSummary(markdown, opts?.hint) },
    state: {
      save: (key, value) => core.saveState(key, JSON.stringify(value)),
      load: (key, version) => parseVersioned(key, core.getState(key), version),
    },
    outputs: {
      set: (name, value) => core.setOutput(name, outputText(value)),
      exportVariable: (name, value) => core.exportVariable(name, value),
    },
    clock: realClock,
  };
}

/**
 * Reports an error the way codeql-action does: a user mistake is a plain
 * message; anything else is a bug, so the stack goes to the debug log.
 */
export function reportFailure(step: string, error: unknown): void {
  if (error instanceof ConfigurationError) {
    if (error.at) {
      // setFailed's annotation, placed on the file (a pull request shows it on the line).
      process.exitCode = core.ExitCode.Failure;
      annotate("error", error.message, {
        file: error.at.file,
        ...(error.at.line !== undefined ? { startLine: error.at.line } : {}),
        ...(error.at.column !== undefined ? { startColumn: error.at.column } : {}),
      });
      return;
    }
    failStep(error.message);
    return;
  }
  failStep(`${step}: ${errorMessage(error)}`);
  if (error instanceof Error && error.stack) core.debug(error.stack);
}

/**
 * A promise nobody awaited that rejects (a parallel create whose sibling failed
 * first, a socket error after a response) would otherwise end the process with
 * exit 1 and no `::error::` at all: report it like any other failure.
 */
function reportStrayErrors(step: string): void {
  const report = (error: unknown) => reportFailure(step, error);
  process.on("unhandledRejection", report);
  process.on("uncaughtException", report);
}

/**
 * The whole life of a `main.ts`: read and validate inputs (nothing is created
 * before they are all valid; `mask-account-ids` first, for every action, so
 * that whatever the step writes to its summary and annotations is masked as
 * asked), run with the runner's deps, write outputs, fail if asked to.
 */
export async function runAction<I>(
  step: string,
  readInputs: (get: InputSource) => I,
  run: (inputs: I, deps: ActionDeps) => Promise<ActionResult>,
): Promise<void> {
  reportStrayErrors(step);
  try {
    configureJobReport(actionInputs);
    const inputs = readInputs(actionInputs);
    const deps = runnerDeps();
    const result = await run(inputs, deps);
    for (const [name, value] of Object.entries(result.outputs)) deps.outputs.set(name, value);
    if (result.failure) failStep(result.failure);
  } catch (error) {
    reportFailure(step, error);
  }
}

/** A post step: every failure is prefixed with the step name so it is clear which cleanup failed. */
export async function runPost(
  step: string,
  run: (deps: ActionDeps) => Promise<{ failure?: string } | undefined>,
): Promise<void> {
  reportStrayErrors(`${step} (post)`);
  try {
    configureJobReport(actionInputs);
  } catch {
    // A bad value already failed the main step, which then created nothing: masking stays on.
  }
  try {
    const result = await run(runnerDeps());
    if (result?.failure) failStep(`${step} (post): ${result.failure}`);
  } catch (error) {
    failStep(`${step} (post): ${errorMessage(error)}`);
    if (!(error instanceof ConfigurationError) && error instanceof Error && error.stack) core.debug(error.stack);
  }
}
