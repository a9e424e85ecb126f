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
import { CliConsole } from "./console";
import { helpText, inputErrorMessage, type ParsedCommand, parseCommand, UsageError } from "./flags";
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
    "Exit status: 0 pass, 1 fail, 2 usage error.",
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

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const plain = new CliConsole({ json: false, verbose: false });
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
    plain.fatal(`unknown command '${name}'. Commands: ${COMMANDS.map((c) => c.spec.name).join(", ")}.`);
    return 2;
  }
  const spec = command.spec;
  let parsed: ParsedCommand;
  try {
    parsed = parseCommand(spec, rest);
  } catch (error) {
    plain.fatal(`${spec.name}: ${errorMessage(error)} See 'ecs-alb-smoke ${spec.name} --help'.`);
    return 2;
  }
  if (parsed.help) {
    plain.print(helpText(spec));
    return 0;
  }
  const cons = new CliConsole({ json: parsed.json, verbose: parsed.verbose });
  if (parsed.profile) process.env.AWS_PROFILE = parsed.profile;
  await resolveRegion(parsed);

  let result: ActionResult & { exitCode?: number };
  try {
    result = await command.execute(parsed, cons);
  } catch (error) {
    if (error instanceof InputError) {
      cons.fatal(`${spec.name}: ${inputErrorMessage(error, spec)}`);
      return 2;
    }
    if (error instanceof UsageError) {
      cons.fatal(`${spec.name}: ${error.message}`);
      return 2;
    }
    cons.fatal(`${spec.name}: ${errorMessage(error)}`);
    if (!(error instanceof ConfigurationError) && error instanceof Error && error.stack) cons.debug(error.stack);
    if (parsed.json)
      cons.document({ command: spec.name, action: spec.action, result: "error", error: errorMessage(error) });
    return 1;
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
