#!/usr/bin/env node
/**
 * `ecs-alb-smoke`: the suite's checks from a terminal (CloudShell, a laptop).
 * A second front end over the actions' own `run(inputs, deps)`: flags are the
 * action.yml inputs, read by the same input readers.
 */
import { STSClient } from "@aws-sdk/client-sts";
import { ConfigurationError, errorMessage, InputError } from "../lib/errors";
import type { ActionResult } from "../lib/run-action";
import { VERSION } from "../lib/version";
import { type Command, SIMPLE_COMMANDS } from "./commands";
import { CliConsole, signalExit } from "./console";
import { type CommandSpec, helpText, inputErrorMessage, type ParsedCommand, parseCommand, UsageError } from "./flags";
import { smoke } from "./smoke";

const COMMANDS: Command[] = [smoke, ...SIMPLE_COMMANDS];

function usage(): string {
  const lines = [
    "Usage: ecs-alb-smoke <command> [flags]",
    "",
    "The ecs-alb-smoke actions from a terminal, with the same inputs (as flags), evidence and verdicts.",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(10)} ${c.spec.summary}`),
    "",
    "Run 'ecs-alb-smoke <command> --help' for the flags of a command.",
    "Exit status: 0 pass, 1 fail (or an error), 2 usage error, 130/143 interrupted (see the README).",
    "",
  ];
  return lines.join("\n");
}

/** The region the AWS CLI would use: --region, AWS_REGION/AWS_DEFAULT_REGION, else the profile's (SDK chain). */
async function resolveRegion(parsed: ParsedCommand): Promise<void> {
  if (parsed.region) {
    process.env.AWS_REGION = parsed.region;
    return;
  }
  if (parsed.get("aws-region") || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION) return;
  try {
    const region = await new STSClient({}).config.region();
    if (region) process.env.AWS_REGION = region;
  } catch {
    // No region anywhere: the input reader says so, naming the input.
  }
}

function exitCode(result: ActionResult & { exitCode?: number }): number {
  return result.exitCode ?? (result.failure ? 1 : 0);
}

/**
 * Whether the arguments ask for --json (as parseArgs reads them: before a `--`), known before they are parsed,
 * so that a run they make fail (an unknown flag, a bad value) still prints its error document.
 */
export function jsonRequested(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--json" || a === "--json=true");
}

/** A run that ends without its step's result: the message on stderr, and with --json the error document. */
function stopped(cons: CliConsole, spec: CommandSpec, message: string, code: number): number {
  cons.fatal(`${spec.name}: ${message}`);
  cons.errorDocument(spec.name, spec.action, message);
  return code;
}

/**
 * With --json, a signal that ends a command before its result still leaves the error document (exit 130 on
 * SIGINT, 143 on SIGTERM). A command that handles signals itself (smoke tears down first) is left to do so.
 */
function onSignals(cons: CliConsole, spec: CommandSpec): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    process.exit(stopped(cons, spec, `interrupted by ${signal} before the step finished.`, signalExit(signal)));
  };
  if (!cons.json) return () => {};
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const plain = new CliConsole({ json: jsonRequested(argv), verbose: false });
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    plain.print(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    plain.print(VERSION);
    return 0;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) {
    const message = `unknown command '${name}'. Commands: ${COMMANDS.map((c) => c.spec.name).join(", ")}.`;
    plain.fatal(message);
    plain.errorDocument(name, null, message);
    return 2;
  }
  const spec = command.spec;
  let parsed: ParsedCommand;
  try {
    parsed = parseCommand(spec, rest);
  } catch (error) {
    return stopped(plain, spec, `${errorMessage(error)} See 'ecs-alb-smoke ${spec.name} --help'.`, 2);
  }
  if (parsed.help) {
    plain.print(helpText(spec));
    return 0;
  }
  const cons = new CliConsole({ json: parsed.json, verbose: parsed.verbose });
  const release = onSignals(cons, spec);
  try {
    return await run(command, parsed, cons);
  } finally {
    release();
  }
}

/** One command with its parsed flags: its result (with --json, the document) and the exit status. */
async function run(command: Command, parsed: ParsedCommand, cons: CliConsole): Promise<number> {
  const spec = command.spec;
  if (parsed.profile) process.env.AWS_PROFILE = parsed.profile;
  // Paths are the current directory's, as the README says, for the input readers (which check them against
  // GITHUB_WORKSPACE) and for what the commands then read and rewrite alike: run in a job step from another
  // directory, `mask --path 'proj/**'` checked $GITHUB_WORKSPACE/proj and rewrote ./proj.
  process.env.GITHUB_WORKSPACE = process.cwd();
  await resolveRegion(parsed);

  let result: ActionResult & { exitCode?: number };
  try {
    result = await command.execute(parsed, cons);
  } catch (error) {
    if (error instanceof InputError) return stopped(cons, spec, inputErrorMessage(error, spec), 2);
    if (error instanceof UsageError) return stopped(cons, spec, error.message, 2);
    const code = stopped(cons, spec, errorMessage(error), 1);
    if (!(error instanceof ConfigurationError) && error instanceof Error && error.stack) cons.debug(error.stack);
    return code;
  }
  const code = exitCode(result);
  if (result.failure) cons.error(result.failure);
  if (parsed.json) {
    cons.document({
      command: spec.name,
      action: spec.action,
      result: code === 0 ? "pass" : "fail",
      ...(result.failure ? { failure: result.failure } : {}),
      outputs: result.outputs,
    });
  }
  cons.verdict(code === 0, `${spec.name}: ${code === 0 ? "PASS" : "FAIL"} in ${cons.elapsed()}`);
  return code;
}

const code = await main(process.argv.slice(2));
// Let stdout drain (a pipe to jq) before exiting; timers of finished SDK clients must not hold the process.
process.exitCode = code;
setTimeout(() => process.exit(code), 50).unref();
