import { annotateError, type JsonPath, jsonPathKey } from "../../lib/annotations";
import { ConfigurationError, InputError } from "../../lib/errors";
import { EvidenceWriter } from "../../lib/evidence";
import { parseArn } from "../../lib/inputs";
import { maskAccountIds } from "../../lib/masking";
import { type PublishOptions, type PublishOutcome, publishReport } from "../../lib/pr-comment";
import type { ActionResult } from "../../lib/run-action";
import type { Lookups } from "./aws-lookups";
import { CheckList, type Finding, type Principal, type Row, type Scope } from "./checks";
import { addCiProfileChecks } from "./ci-profile";
import { deriveExecutionRoleChecks } from "./derive";
import type { PreflightInputs } from "./inputs";
import { customerManagedKeyArn, scopeOfArn, trustsEcsTasks } from "./references";
import { accountIdsIn, buildReport, reportMarkdown } from "./report";
import { type Simulator, simulateChecks } from "./simulate";
import { addStatementIds, type PolicyReader } from "./statement-ids";
import { type LoadedTaskDefinition, loadTaskDefinition } from "./task-definition";

export const ACTION = "iam-simulate-preflight";

export interface PreflightDeps {
  lookups: Lookups;
  simulator: Simulator;
  /** Reads policy documents to name the matched statements' Sids (best effort). */
  policyReader?: PolicyReader;
  publish?: (opts: PublishOptions) => Promise<PublishOutcome>;
  annotate?: typeof annotateError;
  env?: NodeJS.ProcessEnv;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

function roleFrom(
  input: string | undefined,
  fromTd: string | undefined,
  name: string,
  tdField: string,
): string | undefined {
  if (input) return input;
  if (!fromTd) return undefined;
  if (!ROLE_ARN.test(fromTd)) {
    throw new ConfigurationError(
      `The task definition's ${tdField} '${fromTd}' is not a role ARN. Use the full ARN there, or set '${name}'.`,
    );
  }
  return fromTd;
}

async function trustFindings(role: Principal, lookups: Lookups, source: string): Promise<Finding[]> {
  const found = await lookups.getRole(role.arn);
  if (!found.exists) {
    return [
      {
        severity: "fail",
        subject: role.arn,
        message: `The ${role.role} ${role.arn} does not exist. ECS cannot start the task; create the role or fix ${source}.`,
        sources: [],
      },
    ];
  }
  if (trustsEcsTasks(found.trustPolicy)) return [];
  return [
    {
      severity: "fail",
      subject: role.arn,
      message: `The ${role.role} ${role.arn} does not trust ecs-tasks.amazonaws.com: ECS cannot assume it. Add a trust policy statement that allows sts:AssumeRole for the service principal ecs-tasks.amazonaws.com.`,
      sources: [],
    },
  ];
}

/** `::error file=…,line=…::` at the `valueFrom` (or other field) behind each failure, when the task definition is a file. */
function annotateFailures(
  findings: Finding[],
  rows: Row[],
  td: LoadedTaskDefinition,
  accountIds: string[],
  annotateRaw: typeof annotateError,
) {
  // Annotations show on the pull request: account IDs masked like the comment.
  const annotate: typeof annotateError = (message, where) => annotateRaw(maskAccountIds(message, accountIds), where);
  const at = (sources: readonly JsonPath[]) => {
    const source = sources[0];
    if (!td.file || !source) return td.file ? { file: td.file.path, title: "IAM preflight" } : undefined;
    return { file: td.file.path, line: td.file.lines.get(jsonPathKey(source)), title: "IAM preflight" };
  };
  for (const f of findings) if (f.severity === "fail") annotate(f.message, at(f.sources));
  for (const r of rows) {
    if (r.decision === "allowed") continue;
    const verdict = r.decision === "explicitDeny" ? "is explicitly denied" : "is not allowed";
    annotate(
      `The ${r.principal.role} ${r.principal.arn} ${verdict} ${r.action} on ${r.resource} (needed for ${r.reasons.join("; ")}).`,
      at(r.sources),
    );
  }
}

export async function runPreflight(inputs: PreflightInputs, deps: PreflightDeps): Promise<ActionResult> {
  const env = deps.env ?? process.env;
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const td = await loadTaskDefinition(inputs.taskDefinition, deps.lookups, workspace);

  const executionRoleArn = roleFrom(
    inputs.executionRoleArn,
    td.doc.executionRoleArn,
    "execution-role-arn",
    "executionRoleArn",
  );
  if (!executionRoleArn) {
    throw new InputError(
      "execution-role-arn",
      `was not given and the task definition (${td.source}) has no executionRoleArn.`,
      "Set 'execution-role-arn' to the role ECS uses to pull images and read secrets.",
    );
  }
  const taskRoleArn = roleFrom(inputs.taskRoleArn, td.doc.taskRoleArn, "task-role-arn", "taskRoleArn");
  if (inputs.taskRoleChecks.length > 0 && !taskRoleArn) {
    throw new InputError(
      "task-role-checks",
      "needs a task role, but neither 'task-role-arn' nor the task definition's taskRoleArn is set.",
    );
  }

  const arn = parseArn(executionRoleArn);
  const scope: Scope = { partition: arn?.partition ?? "aws", region: inputs.region, account: arn?.account ?? "" };
  const execution: Principal = { arn: executionRoleArn, role: "execution role" };
  const task: Principal | undefined = taskRoleArn ? { arn: taskRoleArn, role: "task role" } : undefined;
  const ci: Principal | undefined = inputs.ciRoleArn ? { arn: inputs.ciRoleArn, role: "CI role" } : undefined;

  const checks = new CheckList();
  const findings: Finding[] = [...(await trustFindings(execution, deps.lookups, td.source))];
  if (task) findings.push(...(await trustFindings(task, deps.lookups, td.source)));
  findings.push(...(await deriveExecutionRoleChecks(td.doc, execution, scope, deps.lookups, checks, td.at)));

  for (const c of inputs.taskRoleChecks) {
    for (const resource of c.resources) {
      checks.add(task as Principal, c.action, resource, { reason: "task-role-checks", context: c.context });
    }
  }
  for (const c of inputs.extraChecks) {
    const principal =
      c.principal === "execution-role"
        ? execution
        : c.principal === "task-role"
          ? task
          : c.principal === "ci-role"
            ? ci
            : { arn: c.principal, role: "extra" as const };
    if (!principal) {
      throw new InputError("extra-checks", `names principal '${c.principal}', which is not set.`);
    }
    for (const resource of c.resources)
      checks.add(principal, c.action, resource, { reason: "extra-checks", context: c.context });
  }
  if (ci) {
    const ciScope: Scope = { ...scope, account: parseArn(ci.arn)?.account ?? scope.account };
    if (inputs.ciRoleProfile) addCiProfileChecks(inputs.ciRoleProfile, ci, ciScope, checks);
    for (const id of inputs.ciSecretIds) {
      const secret = await deps.lookups.describeSecret(id, inputs.region);
      if (!secret) {
        findings.push({
          severity: "fail",
          subject: id,
          message: `ci-secret-ids: the secret '${id}' does not exist in ${inputs.region}.`,
          sources: [],
        });
        continue;
      }
      checks.add(ci, "secretsmanager:GetSecretValue", secret.arn, { reason: "evidence-mask secret-ids" });
      const key = customerManagedKeyArn(secret.kmsKeyId, scopeOfArn(secret.arn, ciScope));
      if (key) checks.add(ci, "kms:Decrypt", key, { reason: "evidence-mask secret-ids (customer managed KMS key)" });
    }
  }

  const all = checks.all();
  const simulation = await simulateChecks(all, deps.simulator);
  const sidProblem = deps.policyReader ? await addStatementIds(simulation.rows, deps.policyReader) : "not requested";
  const report = buildReport({
    rows: simulation.rows,
    findings,
    taskDefinition: {
      family: td.doc.family ?? "(no family)",
      ...(td.doc.revision !== undefined ? { revision: td.doc.revision } : {}),
      source: td.source,
    },
    principals: [execution, task, ci]
      .filter((p): p is Principal => p !== undefined)
      .map((p) => ({ role: p.role, arn: p.arn })),
    simulation: { requests: simulation.requests, calls: simulation.calls },
    ...(sidProblem ? { statementIdsUnavailable: sidProblem } : {}),
  });

  const evidence = new EvidenceWriter(inputs.evidenceDir);
  const evidenceFile = evidence.writeJson("iam_preflight", report);
  annotateFailures(findings, simulation.rows, td, accountIdsIn(report), deps.annotate ?? annotateError);
  await (deps.publish ?? publishReport)({
    action: ACTION,
    key: td.doc.family ?? td.source,
    markdown: reportMarkdown(report),
    comment: inputs.comment,
    token: inputs.githubToken,
    prNumber: inputs.prNumber,
    env,
  });

  const outputs = { result: report.result, report, "denied-count": report.deniedCount, "evidence-file": evidenceFile };
  if (report.result === "pass" || inputs.failOn === "never") return { outputs };
  return {
    outputs,
    failure: `IAM preflight failed: ${report.deniedCount} permission check(s) denied and ${report.failingFindings} other problem(s) for task definition ${td.doc.family ?? td.source}. See the annotations and the job summary; fix the policies or the task definition (or set fail-on: never to report only).`,
  };
}
