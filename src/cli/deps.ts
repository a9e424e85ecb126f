/**
 * The deps each action's `run(inputs, deps)` gets from the command line: the
 * same interfaces as the action's main.ts wires to @actions/core, with the log
 * and the summary going to the terminal, outputs collected for --json and the
 * state kept in memory. AWS clients are the actions' own (the SDK's default
 * credential chain: environment, AWS_PROFILE, SSO, container credentials).
 */
import { albClients } from "../actions/ephemeral-alb/clients";
import type { Deps as AlbDeps } from "../actions/ephemeral-alb/run";
import type { AlbState } from "../actions/ephemeral-alb/state";
import type { MaskDeps } from "../actions/evidence-mask/run";
import { callerAccount, fetchSecrets } from "../actions/evidence-mask/secrets";
import { probeClients } from "../actions/http-evidence-probe/clients";
import type { ProbeDeps } from "../actions/http-evidence-probe/run";
import { preflightClients } from "../actions/iam-simulate-preflight/clients";
import type { PreflightDeps } from "../actions/iam-simulate-preflight/run";
import { registerClients } from "../actions/register-fargate-targets/clients";
import type { PostDeps as RegisterPostDeps } from "../actions/register-fargate-targets/deregister";
import {
  STATE_KEY as REGISTER_STATE_KEY,
  type Deps as RegisterDeps,
  type RegisteredState,
} from "../actions/register-fargate-targets/run";
import { driftClients } from "../actions/secrets-rds-drift/clients";
import { pgLogin } from "../actions/secrets-rds-drift/pg-login";
import type { DriftDeps } from "../actions/secrets-rds-drift/run";
import { ConfigurationError } from "../lib/errors";
import type { PublishOutcome } from "../lib/pr-comment";
import { realClock } from "../lib/retry";
import type { ActionDeps, AnnotationAt } from "../lib/run-action";
import { memoryState } from "../lib/saved-state";
import type { CliConsole } from "./console";

/** No pull request from a terminal: the report is printed instead of commented. */
function printed(cons: CliConsole, markdown: string): PublishOutcome {
  cons.report(markdown);
  return { comment: "disabled", detail: "command line", commentTruncated: false, summaryWritten: true };
}

/** The seam for a terminal: the log and the summary to the console, state in memory, outputs collected by the caller. */
export function cliSeam(cons: CliConsole, onSave: (key: string, value: unknown) => void = () => {}): ActionDeps {
  const state = memoryState();
  // An annotation's place becomes the line's prefix (`deploy/td.json:12: …`).
  const placed = (message: string, at?: AnnotationAt) =>
    at?.file ? `${at.file}${at.startLine ? `:${at.startLine}` : ""}: ${message}` : message;
  const annotation = (level: "error" | "warning" | "notice", message: string, at?: AnnotationAt) =>
    level === "error"
      ? cons.error(placed(message, at))
      : level === "warning"
        ? cons.warning(placed(message, at))
        : cons.info(placed(message, at));
  return {
    log: {
      info: (m) => cons.info(m),
      debug: (m) => cons.debug(m),
      warning: (m, at) => annotation("warning", m, at),
      error: (m, at) => annotation("error", m, at),
      annotation,
      secret: (v) => cons.addSecret(v),
    },
    summary: {
      write: async (markdown) => {
        cons.report(markdown);
        return true;
      },
    },
    state: {
      save: (key, value) => {
        state.save(key, value);
        onSave(key, structuredClone(value));
      },
      load: (key, version) => state.load(key, version),
    },
    outputs: {
      set: () => {},
      // As core.exportVariable does for the rest of the process (register reads the kept target groups from it).
      exportVariable: (name, value) => {
        process.env[name] = value;
      },
    },
    clock: realClock,
  };
}

export function preflightDeps(cons: CliConsole, region: string): PreflightDeps {
  return { ...cliSeam(cons), ...preflightClients(region), publish: async (opts) => printed(cons, opts.markdown) };
}

export function driftDeps(cons: CliConsole, region: string): DriftDeps {
  return {
    ...cliSeam(cons),
    ...driftClients(region),
    login: pgLogin,
    publish: async (markdown) => printed(cons, markdown),
  };
}

export function probeDeps(cons: CliConsole): ProbeDeps {
  return { ...cliSeam(cons), ...probeClients() };
}

export function maskDeps(cons: CliConsole): MaskDeps {
  return {
    ...cliSeam(cons),
    workspace: process.cwd(),
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
    ...cliSeam(cons),
    clients: albClients(region),
    store: { save: (state) => onState(structuredClone(state)) },
  };
}

export function registerDeps(cons: CliConsole, region: string, onState: (s: RegisteredState) => void): RegisterDeps {
  return {
    ...cliSeam(cons, (key, value) => key === REGISTER_STATE_KEY && onState(value as RegisteredState)),
    clients: registerClients(region),
  };
}

/** register-fargate-targets' deregistration of what the command line registered. */
export function registerPostDeps(cons: CliConsole, state: RegisteredState): RegisterPostDeps {
  const seam = cliSeam(cons);
  seam.state.save(REGISTER_STATE_KEY, state);
  return { ...seam, elb: (r) => registerClients(r).elb };
}
