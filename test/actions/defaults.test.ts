/**
 * Every non-empty `default:` of every action.yml is the input reader's own
 * default: the runner passes action.yml's default when a step leaves the
 * input out, the command line and the in-process tests pass nothing, and both
 * must mean the same. For each such input, the reader gets a minimal valid set
 * of inputs once without it and once with action.yml's default, and must read
 * the same thing both times.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readInputs as readAlbInputs } from "../../src/actions/ephemeral-alb/inputs";
import { readInputs as readMaskInputs } from "../../src/actions/evidence-mask/inputs";
import { readProbeInputs } from "../../src/actions/http-evidence-probe/inputs";
import { readPreflightInputs } from "../../src/actions/iam-simulate-preflight/inputs";
import { readInputs as readRegisterInputs } from "../../src/actions/register-fargate-targets/inputs";
import { readDriftInputs } from "../../src/actions/secrets-rds-drift/inputs";
import { configureJobReport, forReport, MASK_ACCOUNT_IDS_INPUT } from "../../src/lib/job-report";
import { ROOT } from "../harness/runner";

function actionInputs(action: string): Record<string, { default?: string }> {
  const doc = parse(readFileSync(join(ROOT, "actions", action, "action.yml"), "utf8")) as {
    inputs: Record<string, { default?: string }>;
  };
  return doc.inputs;
}

type Reader = (get: (name: string) => string, env: NodeJS.ProcessEnv) => unknown;

const workspace = mkdtempSync(join(tmpdir(), "defaults-"));
/** A runner's variables: with GITHUB_RUN_ID, the probe's correlation run id is not random. */
const env: NodeJS.ProcessEnv = {
  GITHUB_WORKSPACE: workspace,
  RUNNER_TEMP: workspace,
  GITHUB_RUN_ID: "4242424242",
  GITHUB_RUN_ATTEMPT: "1",
  GITHUB_REPOSITORY: "octo-org/papyrus",
  AWS_REGION: "us-west-2",
};

/** Each action's reader and the fewest inputs it accepts (all others left out). */
const READERS: Record<string, { read: Reader; minimal: Record<string, string> }> = {
  "ephemeral-alb": {
    read: readAlbInputs,
    minimal: { "vpc-id": "vpc-0a1b2c3d", "subnet-ids": "subnet-0a1b2c3d,subnet-0a1b2c3e" },
  },
  "evidence-mask": { read: readMaskInputs, minimal: {} },
  "http-evidence-probe": { read: readProbeInputs, minimal: { url: "http://127.0.0.1:8080/healthz" } },
  "iam-simulate-preflight": {
    read: readPreflightInputs,
    minimal: { "ci-role-arn": "arn:aws:iam::123456789012:role/ci" },
  },
  "register-fargate-targets": {
    read: readRegisterInputs,
    minimal: {
      cluster: "papyrus",
      service: "papyrus-task-service",
      "target-group-arn": "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/smoke-tg/0123456789abcdef",
    },
  },
  "secrets-rds-drift": { read: readDriftInputs, minimal: { "secret-id": "papyrus/db" } },
};

/** Defaults that are workflow expressions, which only the runner evaluates; the readers take them as unset. */
const EXPRESSIONS = /^\$\{\{.*\}\}$/;

const cases = Object.entries(READERS).flatMap(([action, reader]) =>
  Object.entries(actionInputs(action))
    .filter(([, input]) => input.default !== undefined && input.default !== "" && !EXPRESSIONS.test(input.default))
    .map(([name, input]) => [action, name, input.default as string, reader] as const),
);

function source(values: Record<string, string>) {
  return (name: string) => values[name] ?? "";
}

describe("action.yml defaults are the input readers' defaults", () => {
  it("covers every action, and every one has defaults to compare", () => {
    const actions = new Set(cases.map(([action]) => action));
    expect([...actions].sort()).toEqual(Object.keys(READERS).sort());
  });

  it.each(cases.filter(([, name]) => name !== MASK_ACCOUNT_IDS_INPUT))(
    "%s: '%s' left out reads as '%s'",
    (_action, name, value, { read, minimal }) => {
      expect(minimal[name], "the minimal inputs leave the input out").toBeUndefined();
      const leftOut = read(source(minimal), env);
      const given = read(source({ ...minimal, [name]: value }), env);
      expect(leftOut).toEqual(given);
    },
  );

  it.each(cases.filter(([, name]) => name === MASK_ACCOUNT_IDS_INPUT))(
    "%s: '%s' (read for the job report) left out reads as '%s'",
    (_action, name, value) => {
      const arn = "arn:aws:iam::123456789012:role/ci";
      configureJobReport(source({}));
      const leftOut = forReport(arn);
      configureJobReport(source({ [name]: value }));
      const given = forReport(arn);
      configureJobReport(source({}));
      expect(leftOut).toBe(given);
    },
  );
});
