/**
 * The subcommands: each one reads its action's inputs from flags with the
 * action's own reader and calls the action's own `run(inputs, deps)`.
 */
import { readInputs as readAlbInputs } from "../actions/ephemeral-alb/inputs";
import { run as runAlb } from "../actions/ephemeral-alb/run";
import { readInputs as readMaskInputs } from "../actions/evidence-mask/inputs";
import { run as runMask } from "../actions/evidence-mask/run";
import { readProbeInputs } from "../actions/http-evidence-probe/inputs";
import { run as runProbe } from "../actions/http-evidence-probe/run";
import { readPreflightInputs } from "../actions/iam-simulate-preflight/inputs";
import { runPreflight } from "../actions/iam-simulate-preflight/run";
import { readDriftInputs } from "../actions/secrets-rds-drift/inputs";
import { run as runDrift } from "../actions/secrets-rds-drift/run";
import type { ActionResult } from "../lib/run-action";
import type { CliConsole } from "./console";
import { albDeps, driftDeps, maskDeps, preflightDeps, probeDeps } from "./deps";
import { type CommandSpec, type ParsedCommand, TERMINAL_ACCOUNT_IDS } from "./flags";

export interface Command {
  spec: CommandSpec;
  /** Reads every input first (an InputError is a usage error), then runs. */
  execute(parsed: ParsedCommand, cons: CliConsole): Promise<ActionResult>;
}

const NO_PR = "a terminal has no pull request: the report is printed instead.";

const preflight: Command = {
  spec: {
    name: "preflight",
    action: "iam-simulate-preflight",
    summary:
      "Simulate every permission a task definition (file, family[:revision], ARN, Terraform plan or CloudFormation template) needs against its roles; exit 1 on deny.",
    fixed: {
      comment: { value: "false", why: NO_PR },
      "github-token": { value: "", why: NO_PR },
      "pr-number": { value: "", why: NO_PR },
      ...TERMINAL_ACCOUNT_IDS,
    },
    example: "ecs-alb-smoke preflight --task-definition ecs/task-definitions/papyrus-task.json",
  },
  async execute(p, cons) {
    const inputs = readPreflightInputs(p.get);
    cons.progress(`Simulating the roles of ${p.get("task-definition") || "the given checks"} in ${inputs.region} …`);
    return runPreflight(inputs, preflightDeps(cons, inputs.region));
  },
};

const drift: Command = {
  spec: {
    name: "drift",
    action: "secrets-rds-drift",
    summary: "Compare a database secret (host, port, dbname, username, TLS) with the real RDS instance or cluster.",
    fixed: {
      comment: { value: "false", why: NO_PR },
      "github-token": { value: "", why: NO_PR },
      ...TERMINAL_ACCOUNT_IDS,
    },
    example: "ecs-alb-smoke drift --secret-id papyrus/prd/db --task-definition ecs/task-definitions/papyrus-task.json",
  },
  async execute(p, cons) {
    const inputs = readDriftInputs(p.get);
    cons.progress(`Comparing the secret with RDS in ${inputs.region} …`);
    return runDrift(inputs, driftDeps(cons, inputs.region));
  },
};

const probe: Command = {
  spec: {
    name: "probe",
    action: "http-evidence-probe",
    summary:
      "Probe URLs like `curl -si`, with retries and expectations; the evidence files are written before the verdict.",
    fixed: { ...TERMINAL_ACCOUNT_IDS },
    example: "ecs-alb-smoke probe --url http://my-alb-123.us-west-2.elb.amazonaws.com/healthz",
  },
  async execute(p, cons) {
    const inputs = readProbeInputs(p.get);
    cons.progress(`Probing ${inputs.probes.length} URL(s) …`);
    return runProbe(inputs, probeDeps(cons));
  },
};

const UPLOAD = "the command line masks the files in place and uploads nothing.";
const mask: Command = {
  spec: {
    name: "mask",
    action: "evidence-mask",
    summary:
      "Mask account IDs, RDS endpoints and secret values in evidence files in place, then verify nothing is left (no upload).",
    fixed: {
      "artifact-name": { value: "", why: UPLOAD },
      overwrite: { value: "false", why: UPLOAD },
      "retention-days": { value: "", why: UPLOAD },
      ...TERMINAL_ACCOUNT_IDS,
    },
    example: "ecs-alb-smoke mask --path 'evidence/**' --secret-ids papyrus/prd/db",
  },
  async execute(p, cons) {
    const inputs = readMaskInputs(p.get);
    cons.progress(`Masking ${inputs.patterns.join(", ")} (${inputs.mode}) …`);
    return runMask(inputs, maskDeps(cons));
  },
};

const sweep: Command = {
  spec: {
    name: "sweep",
    action: "ephemeral-alb",
    summary:
      "Delete what killed smoke runs left (ALB, target group, listener, security groups, task-SG ingress) in a scope: --run-id, --name-prefix and/or --older-than-minutes; --dry-run only lists.",
    fixed: { mode: { value: "sweep", why: "this command is ephemeral-alb's sweep mode." }, ...TERMINAL_ACCOUNT_IDS },
    example: "ecs-alb-smoke sweep --run-id cli-20251105-063210-3f2a --dry-run",
  },
  async execute(p, cons) {
    const inputs = readAlbInputs(p.get);
    cons.progress(`Sweeping in ${inputs.region}${inputs.mode === "sweep" && inputs.dryRun ? " (dry run)" : ""} …`);
    return runAlb(inputs, albDeps(cons, inputs.region));
  },
};

export const SIMPLE_COMMANDS: Command[] = [preflight, drift, probe, mask, sweep];
