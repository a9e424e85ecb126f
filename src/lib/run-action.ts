import * as core from "@actions/core";
import { ConfigurationError, errorMessage } from "./errors";
import type { InputSource } from "./inputs";
import { annotate, configureJobReport, failStep } from "./job-report";

export type OutputValue = string | number | boolean | object;

export interface ActionResult {
  /** Written as step outputs; objects and arrays as JSON. */
  outputs: Record<string, OutputValue>;
  /** Set when the step must fail after its outputs (and evidence) are written. */
  failure?: string;
}

/** Reads an input the way the runner passes it (INPUT_<NAME>), not trimmed of meaning. */
export const actionInputs: InputSource = (name) => core.getInput(name);

export function setOutputs(outputs: Record<string, OutputValue>): void {
  for (const [name, value] of Object.entries(outputs)) {
    core.setOutput(name, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
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
 * asked), run, write outputs, fail if asked to.
 */
export async function runAction<I>(
  step: string,
  readInputs: (get: InputSource) => I,
  run: (inputs: I) => Promise<ActionResult>,
): Promise<void> {
  reportStrayErrors(step);
  try {
    configureJobReport(actionInputs);
    const inputs = readInputs(actionInputs);
    const result = await run(inputs);
    setOutputs(result.outputs);
    if (result.failure) failStep(result.failure);
  } catch (error) {
    reportFailure(step, error);
  }
}

/** A post step: every failure is prefixed with the step name so it is clear which cleanup failed. */
export async function runPost(step: string, run: () => Promise<{ failure?: string } | undefined>): Promise<void> {
  reportStrayErrors(`${step} (post)`);
  try {
    configureJobReport(actionInputs);
  } catch {
    // A bad value already failed the main step, which then created nothing: masking stays on.
  }
  try {
    const result = await run();
    if (result?.failure) failStep(`${step} (post): ${result.failure}`);
  } catch (error) {
    failStep(`${step} (post): ${errorMessage(error)}`);
    if (!(error instanceof ConfigurationError) && error instanceof Error && error.stack) core.debug(error.stack);
  }
}
