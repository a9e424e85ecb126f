import { type Annotator, annotatorFor, type JsonPath, jsonPathKey } from "../../lib/annotations";
import { InputError } from "../../lib/errors";
import { EvidenceWriter } from "../../lib/evidence";
import { parseArn } from "../../lib/inputs";
import type { PublishOptions, PublishOutcome } from "../../lib/pr-comment";
import type { ActionDeps, ActionResult } from "../../lib/run-action";
import type { Lookups } from "./aws-lookups";
import { CheckList, type Finding, type Principal, type Row, type Scope } from "./checks";
import { addCiProfileChecks } from "./ci-profile";
import { deriveExecutionRoleChecks } from "./derive";
import type { PreflightInputs } from "./inputs";
import { addDecryptCheck } from "./kms";
import type { PlanIo } from "./plan/aws-io";
import { plannedInputOf } from "./plan/detect";
import { runPlannedPreflight } from "./plan/run-planned";
import { resolvePrincipals } from "./principals";
import { buildReport, reportMarkdown } from "./report";
import { addSecretPolicyFindings } from "./resource-policy";
import { unreadable, versionRead } from "./secret-read";
import { type Simulator, simulateChecks } from "./simulate";
import { addStatementIds, type PolicyReader } from "./statement-ids";
import { type LoadedTaskDefinition, loadTaskDefinition } from "./task-definition";
import { publishVerdict } from "./verdict";

export interface PreflightDeps extends ActionDeps {
  lookups: Lookups;
  simulator: Simulator;
  /** Reads policy documents to name the matched statements' Sids (best effort). */
  policyReader?: PolicyReader;
  /** Job summary and sticky PR comment: pr-comment.ts's publishReport on a runner, the terminal on the command line. */
  publish: (opts: PublishOptions) => Promise<PublishOutcome>;
  annotate?: Annotator;
  /** Warning annotations (a finding of severity `warning`). */
  warn?: Annotator;
  env?: NodeJS.ProcessEnv;
  /** Reads for a Terraform plan or CloudFormation template input. */
  planIo?: PlanIo;
}

/** `::error file=…,line=…::` at the `valueFrom` (or other field) behind each failure, when the task definition is a file. */
function annotateFailures(
  findings: Finding[],
  rows: Row[],
  td: LoadedTaskDefinition | undefined,
  annotate: Annotator,
  warn: Annotator,
) {
  const at = (sources: readonly JsonPath[]) => {
    const source = sources[0];
    const file = td?.file;
    if (!file) return undefined;
    if (!source) return { file: file.path, title: "IAM preflight" };
    return { file: file.path, line: file.lines.get(jsonPathKey(source)), title: "IAM preflight" };
  };
  for (const f of findings) {
    if (f.severity === "fail") annotate(f.message, at(f.sources));
    if (f.severity === "warning") warn(f.message, at(f.sources));
  }
  for (const r of rows) {
    // A row of a principal that does not exist: the finding saying so is the annotation.
    if (r.verdict === "allowed" || r.verdict === "notSimulated") continue;
    const verdict =
      r.verdict === "explicitDeny"
        ? "is explicitly denied"
        : r.verdict === "needsContext"
          ? `is not allowed without the context key(s) ${r.missingContext.join(", ")} (the decision depends on them: give them under extra-checks' context to see it)`
          : "is not allowed";
    annotate(
      `The ${r.principal.role} ${r.principal.arn} ${verdict} ${r.action} on ${r.resource} (needed for ${r.reasons.join("; ")}).`,
      at(r.sources),
    );
  }
}

/** Adds the CI role's checks: the profile's permissions and the secrets it reads. */
async function addCiChecks(inputs: PreflightInputs, ci: Principal, scope: Scope, lookups: Lookups, checks: CheckList) {
  const findings: Finding[] = [];
  const ciScope: Scope = { ...scope, account: parseArn(ci.arn)?.account ?? scope.account };
  if (inputs.ciRoleProfile) addCiProfileChecks(inputs.ciRoleProfile, ci, ciScope, checks);
  for (const id of inputs.ciSecretIds) {
    const secret = await lookups.describeSecret(id, inputs.region);
    if (!secret) {
      const message = `ci-secret-ids: the secret '${id}' does not exist in ${inputs.region}.`;
      findings.push({ severity: "fail", subject: id, message, sources: [] });
      continue;
    }
    const why = unreadable(secret);
    if (why) {
      const message = `ci-secret-ids: ${why.problem}, so evidence-mask's GetSecretValue will fail. ${why.fix}`;
      findings.push({ severity: "fail", subject: id, message, sources: [] });
      continue;
    }
    checks.add(ci, "secretsmanager:GetSecretValue", secret.arn, { reason: "evidence-mask secret-ids" });
    await addSecretPolicyFindings(secret.arn, ci, lookups, { reason: "evidence-mask secret-ids" }, findings);
    const need = {
      keyId: secret.kmsKeyId,
      resourceArn: secret.arn,
      via: "secretsmanager" as const,
      versionId: versionRead(secret.versions),
    };
    await addDecryptCheck({ ...need, reason: "evidence-mask secret-ids" }, ci, ciScope, lookups, checks, findings);
  }
  return findings;
}

export async function runPreflight(inputs: PreflightInputs, deps: PreflightDeps): Promise<ActionResult> {
  const env = deps.env ?? process.env;
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  // A Terraform plan or a CloudFormation template, told from its content: the planned-state preflight.
  const planned = plannedInputOf(inputs.taskDefinition, workspace);
  if (planned && (inputs.executionRoleArn || inputs.taskRoleArn)) {
    // A plan's task definitions name their own roles, and the planned preflight checks those: the role inputs
    // would be silently set aside. In the fork-safe pattern they are the base branch's roles and the file is the
    // fork's, so a fork that sends a plan instead of a task definition would choose which roles are simulated.
    const what = planned.input.format === "terraform-plan" ? "a Terraform plan" : "a CloudFormation template";
    throw new InputError(
      inputs.executionRoleArn ? "execution-role-arn" : "task-role-arn",
      `is given, but task-definition ${planned.file.display} is ${what}, whose task definitions name their own roles; the role inputs apply only to a task definition.`,
      "Leave execution-role-arn and task-role-arn empty to check a plan, or give a task definition file.",
    );
  }
  if (planned && deps.planIo) {
    return runPlannedPreflight(inputs, { ...deps, io: deps.planIo, env }, planned.input, planned.file);
  }
  const td = inputs.taskDefinition
    ? await loadTaskDefinition(inputs.taskDefinition, deps.lookups, workspace)
    : undefined;
  const { execution, task, ci, scope, findings } = await resolvePrincipals(inputs, td, deps.lookups);

  // The row model: every permission needed becomes a Check (derived from the task
  // definition, the CI profile, or the check inputs); simulateChecks turns each into
  // a Row whose verdict comes from IAM's decision (see verdictOf), or `notSimulated`
  // when the principal does not exist. Problems that are not permissions
  // (missing secrets, bad references, missing roles) are Findings.
  const checks = new CheckList();
  if (td && execution) {
    findings.push(...(await deriveExecutionRoleChecks(td.doc, execution, scope, deps.lookups, checks, td.at)));
  }
  // Without a usable task role (a finding says why), its checks have no principal.
  for (const c of task ? inputs.taskRoleChecks : []) {
    for (const resource of c.resources) {
      checks.add(task as Principal, c.action, resource, { reason: "task-role-checks", context: c.context });
    }
  }
  const aliases: Record<string, Principal | undefined> = {
    "execution-role": execution,
    "task-role": task,
    "ci-role": ci,
  };
  for (const c of inputs.extraChecks) {
    const principal = c.principal in aliases ? aliases[c.principal] : { arn: c.principal, role: "extra" as const };
    if (!principal) throw new InputError("extra-checks", `names principal '${c.principal}', which is not set.`);
    for (const resource of c.resources) {
      checks.add(principal, c.action, resource, { reason: "extra-checks", context: c.context });
    }
  }
  if (ci) findings.push(...(await addCiChecks(inputs, ci, scope, deps.lookups, checks)));

  const simulation = await simulateChecks(checks.all(), deps.simulator);
  for (const arn of simulation.missingPrincipals) {
    findings.push({
      severity: "fail",
      subject: arn,
      message: `The principal ${arn} does not exist (iam:SimulatePrincipalPolicy: NoSuchEntity): its checks were not simulated. Create it or fix the ARN.`,
      sources: [],
    });
  }
  const sidProblem = deps.policyReader ? await addStatementIds(simulation.rows, deps.policyReader) : "not requested";
  const family = td?.doc.family ?? td?.source;
  const report = buildReport({
    rows: simulation.rows,
    findings,
    ...(td
      ? {
          taskDefinition: {
            family: td.doc.family ?? "(no family)",
            // A number, whatever the file said (readTaskDefinitionFile checks it too): it is printed unquoted.
            ...(Number.isSafeInteger(td.doc.revision) ? { revision: td.doc.revision } : {}),
            source: td.source,
          },
        }
      : {}),
    principals: [execution, task, ci]
      .filter((p): p is Principal => p !== undefined)
      .map((p) => ({ role: p.role, arn: p.arn })),
    simulation: { requests: simulation.requests, calls: simulation.calls },
    ...(sidProblem ? { statementIdsUnavailable: sidProblem } : {}),
  });

  const evidenceFile = new EvidenceWriter(inputs.evidenceDir).writeJson("iam_preflight", report);
  annotateFailures(
    findings,
    simulation.rows,
    td,
    deps.annotate ?? annotatorFor(deps.log.annotation, "error"),
    deps.warn ?? annotatorFor(deps.log.annotation, "warning"),
  );
  const needsContext =
    report.needsContextCount > 0 ? `, ${report.needsContextCount} undecided without context keys` : "";
  return publishVerdict(inputs, deps, env, {
    // One comment per task definition family; a CI-role-only check has its own.
    key: family ?? (ci ? "ci-role" : "checks"),
    markdown: reportMarkdown(report),
    result: report.result,
    deniedCount: report.deniedCount,
    report,
    evidenceFile,
    failure: () =>
      `IAM preflight failed: ${report.deniedCount} permission check(s) denied${needsContext} and ${report.failingFindings} other problem(s)${family ? ` for task definition ${family}` : ""}. See the annotations and the job summary; fix the policies${td ? " or the task definition" : ""} (or set fail-on: never to report only).`,
  });
}
