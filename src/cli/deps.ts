/**
 * The deps each action's `run(inputs, deps)` gets from the command line: the
 * same interfaces as the action's main.ts wires to @actions/core, with the log
 * and the summary going to the terminal, outputs collected for --json and the
 * state kept in memory. AWS clients are the actions' own (the SDK's default
 * credential chain: environment, AWS_PROFILE, SSO, container credentials).
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import { RDSClient } from "@aws-sdk/client-rds";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { albClients } from "../actions/ephemeral-alb/clients";
import type { Deps as AlbDeps } from "../actions/ephemeral-alb/run";
import type { AlbState } from "../actions/ephemeral-alb/state";
import type { MaskDeps } from "../actions/evidence-mask/run";
import { callerAccount, fetchSecrets } from "../actions/evidence-mask/secrets";
import { type ProbeDeps, defaultDeps as probeDefaults } from "../actions/http-evidence-probe/run";
import { awsLookups } from "../actions/iam-simulate-preflight/aws-lookups";
import { preflightIamClient } from "../actions/iam-simulate-preflight/iam-client";
import { awsPlanIo } from "../actions/iam-simulate-preflight/plan/aws-io";
import type { PreflightDeps } from "../actions/iam-simulate-preflight/run";
import { iamSimulator } from "../actions/iam-simulate-preflight/simulate";
import { iamPolicyReader } from "../actions/iam-simulate-preflight/statement-ids";
import { registerClients } from "../actions/register-fargate-targets/clients";
import type { Deps as RegisterDeps, RegisteredState } from "../actions/register-fargate-targets/run";
import { pgLogin } from "../actions/secrets-rds-drift/pg-login";
import type { DriftDeps } from "../actions/secrets-rds-drift/run";
import { awsClientConfig } from "../lib/aws";
import { ConfigurationError } from "../lib/errors";
import type { PublishOutcome } from "../lib/pr-comment";
import type { CliConsole } from "./console";

/** No pull request from a terminal: the report is printed instead of commented. */
function printed(cons: CliConsole, markdown: string): PublishOutcome {
  cons.report(markdown);
  return { comment: "disabled", detail: "command line", commentTruncated: false, summaryWritten: true };
}

const summaryTo = (cons: CliConsole) => async (markdown: string) => cons.report(markdown);

export function preflightDeps(cons: CliConsole, region: string): PreflightDeps {
  const iam = preflightIamClient(region);
  return {
    lookups: awsLookups(iam, region),
    simulator: iamSimulator(iam),
    policyReader: iamPolicyReader(iam),
    planIo: awsPlanIo(iam),
    publish: async (opts) => printed(cons, opts.markdown),
    annotate: (message, at) => cons.error(at?.file ? `${at.file}${at.line ? `:${at.line}` : ""}: ${message}` : message),
  };
}

export function driftDeps(cons: CliConsole, region: string): DriftDeps {
  const config = awsClientConfig({ region });
  return {
    secrets: new SecretsManagerClient(config),
    rds: new RDSClient(config),
    ecs: () => new ECSClient(config),
    setSecret: (v) => cons.addSecret(v),
    login: pgLogin,
    publish: async (markdown) => printed(cons, markdown),
    info: (m) => cons.info(m),
    warning: (m) => cons.warning(m),
    workspace: process.cwd(),
  };
}

export function probeDeps(cons: CliConsole, secrets: readonly string[]): ProbeDeps {
  for (const s of secrets) cons.addSecret(s);
  return {
    ...probeDefaults(),
    info: (m) => cons.info(m),
    annotate: (level, message) => (level === "error" ? cons.error(message) : cons.warning(message)),
    writeSummary: summaryTo(cons),
  };
}

export function maskDeps(cons: CliConsole): MaskDeps {
  return {
    workspace: process.cwd(),
    setSecret: (v) => cons.addSecret(v),
    info: (m) => cons.info(m),
    warning: (m) => cons.warning(m),
    error: (m, where) => cons.error(`${where.file}:${where.line}: ${m}`),
    writeSummary: summaryTo(cons),
    callerAccount,
    fetchSecrets: (ids, region) => fetchSecrets(ids, region),
    uploadArtifact: async () => {
      throw new ConfigurationError("The command line does not upload artifacts: the masked files stay where they are.");
    },
    artifactUrl: () => "",
  };
}

/** ephemeral-alb with its state in memory (the CLI's teardown reads it, not a post step). */
export function albDeps(cons: CliConsole, region: string, onState: (state: AlbState) => void = () => {}): AlbDeps {
  return {
    clients: albClients(region),
    store: { save: (state) => onState(structuredClone(state)) },
    summary: summaryTo(cons),
  };
}

export function registerDeps(cons: CliConsole, region: string, onState: (s: RegisteredState) => void): RegisterDeps {
  return { clients: registerClients(region), saveState: (s) => onState(structuredClone(s)), summary: summaryTo(cons) };
}
