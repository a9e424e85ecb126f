/**
 * The preflight of a Terraform plan or a CloudFormation template: each task
 * definition the change registers (or whose roles it changes) is checked
 * against its roles' policies as the change will leave them
 * (SimulateCustomPolicy), and against the deployed ones
 * (SimulatePrincipalPolicy), so the report says what the pull request breaks
 * and what it fixes. Every deny comes with a statement proven to allow it.
 */
import type { SimulatePrincipalPolicyCommandInput } from "@aws-sdk/client-iam";
import { annotateError } from "../../../lib/annotations";
import { InputError } from "../../../lib/errors";
import { EvidenceWriter } from "../../../lib/evidence";
import { maskAccountIds } from "../../../lib/masking";
import { publishReport } from "../../../lib/pr-comment";
import { code, escapeText } from "../../../lib/report-markdown";
import type { ActionResult } from "../../../lib/run-action";
import type { Lookups } from "../aws-lookups";
import { type Check, CheckList, type Finding, type Principal, type Row, type Scope } from "../checks";
import { deriveExecutionRoleChecks, type TaskDefinitionDoc } from "../derive";
import type { PreflightInputs } from "../inputs";
import { accountIdsIn, buildReport, reportMarkdown } from "../report";
import { type Simulator, simulateChecks } from "../simulate";
import type { PlanIo } from "./aws-io";
import { isUnresolvedString } from "./cfn-intrinsics";
import { importsExports, parseCloudFormation } from "./cloudformation";
import type { PlannedInput } from "./detect";
import { selectTaskDefinitions } from "./detect";
import { type Fix, proposeFix } from "./fix";
import { type PolicySet, plannedPolicySet } from "./policy-set";
import { type Locate, terraformLocator } from "./source-lines";
import { PlanFormatError, parseTerraformPlan } from "./terraform";
import type { ParsedPlan } from "./types";

export interface PlannedDeps {
  lookups: Lookups;
  /** SimulatePrincipalPolicy: the deployed decision. */
  simulator: Simulator;
  io: PlanIo;
  publish?: typeof publishReport;
  annotate?: typeof annotateError;
  env?: NodeJS.ProcessEnv;
}

export interface PlannedFile {
  /** Workspace-relative path (annotations), or the display name. */
  display: string;
  relative?: string;
}

type Change = "breaks" | "fixes" | "staysDenied" | "staysAllowed";
const ACTION = "iam-simulate-preflight";

async function parse(planned: PlannedInput, inputs: PreflightInputs, io: PlanIo, scope: Scope, display: string) {
  try {
    if (planned.format === "terraform-plan") return parseTerraformPlan(planned.plan, scope);
    const exports = importsExports(planned.template) ? await io.listExports(scope.region) : undefined;
    let stackResources: Map<string, string> | undefined;
    if (inputs.stackName) {
      stackResources = await io.stackResources(inputs.stackName, scope.region);
      if (!stackResources) {
        throw new InputError(
          "stack-name",
          `the stack '${inputs.stackName}' does not exist in ${scope.region}.`,
          "Give the deployed stack's name, or leave stack-name empty for a new stack.",
        );
      }
    }
    return parseCloudFormation(planned.template, {
      scope,
      parameters: inputs.templateParameters,
      ...(inputs.stackName ? { stackName: inputs.stackName } : {}),
      ...(exports ? { exports } : {}),
      ...(stackResources ? { stackResources } : {}),
    });
  } catch (error) {
    if (error instanceof PlanFormatError) throw new InputError("task-definition", `${display} ${error.message}`);
    throw error;
  }
}

/** A Simulator that answers SimulatePrincipalPolicy requests with SimulateCustomPolicy over a role's planned policies. */
function plannedSimulator(sets: Map<string, PolicySet>, io: PlanIo, extra?: Map<string, string>): Simulator {
  return async function* (input: SimulatePrincipalPolicyCommandInput, pageSize?: number) {
    const set = sets.get(input.PolicySourceArn ?? "") as PolicySet;
    const added = extra?.get(input.PolicySourceArn ?? "");
    const documents = [...set.documents, ...(added ? [added] : [])];
    if (documents.length === 0) {
      // No identity policy at all: IAM's answer is an implicit deny of everything.
      yield {
        EvaluationResults: (input.ActionNames ?? []).map((a) => ({
          EvalActionName: a,
          EvalDecision: "implicitDeny" as const,
          ResourceSpecificResults: (input.ResourceArns ?? []).map((r) => ({
            EvalResourceName: r,
            EvalResourceDecision: "implicitDeny" as const,
          })),
        })),
        $metadata: {},
      };
      return;
    }
    for await (const page of io.simulateCustom(
      {
        PolicyInputList: documents,
        ...(set.boundary ? { PermissionsBoundaryPolicyInputList: [set.boundary] } : {}),
        ActionNames: input.ActionNames,
        ResourceArns: input.ResourceArns,
        ...(input.ContextEntries ? { ContextEntries: input.ContextEntries } : {}),
      },
      pageSize,
    )) {
      yield page as never;
    }
  };
}

const keyOf = (c: Pick<Check, "principal" | "action" | "resource">) =>
  JSON.stringify([c.principal.arn, c.action, c.resource]);
const denied = (r: Row) => r.verdict === "implicitDeny" || r.verdict === "explicitDeny" || r.verdict === "needsContext";

/** Lookups that know the placeholders: a secret the plan creates exists once applied. */
function plannedLookups(lookups: Lookups, parsed: ParsedPlan): Lookups {
  const planned = new Set(parsed.placeholders.values());
  return {
    ...lookups,
    describeSecret: async (id, region) =>
      planned.has(id) ? { arn: id, name: id.replace(/^.*:secret:/, "") } : lookups.describeSecret(id, region),
  };
}

export async function runPlannedPreflight(
  inputs: PreflightInputs,
  deps: PlannedDeps,
  planned: PlannedInput,
  file: PlannedFile,
): Promise<ActionResult> {
  const env = deps.env ?? process.env;
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const scope: Scope = { account: await deps.lookups.callerAccount(), region: inputs.region, partition: "aws" };
  const parsed = await parse(planned, inputs, deps.io, scope, file.display);
  const selected = selectTaskDefinitions(parsed, inputs.taskDefinitionAddress, file.display);
  const lookups = plannedLookups(deps.lookups, parsed);
  const locate: Locate =
    planned.format === "terraform-plan"
      ? terraformLocator(workspace)
      : (address) => {
          const line = planned.lines.get(address);
          return line && file.relative ? { file: file.relative, line } : undefined;
        };

  const findings: (Finding & { at?: string })[] = [];
  const checks = new CheckList();
  const before = new Set<string>();
  const rowAddress = new Map<string, string>();
  for (const u of parsed.unresolved)
    findings.push({ severity: "fail", subject: u.at, message: `${u.at}: ${u.reason}.`, sources: [] });
  for (const td of selected) {
    if (!td.doc) {
      findings.push({
        severity: "fail",
        subject: td.address,
        message: `${td.address}: ${td.unknown?.reason ?? "unknown until apply"}`,
        sources: [],
        at: td.address,
      });
      continue;
    }
    for (const u of td.unresolved) {
      findings.push({
        severity: "fail",
        subject: u.at,
        message: `${u.at}: ${u.reason}. It is not checked.`,
        sources: [],
        at: td.address,
      });
    }
    const doc = withoutUnresolved(td.doc);
    if (!doc.executionRoleArn) {
      findings.push({
        severity: "fail",
        subject: td.address,
        message: `${td.address} has no execution role: ECS cannot read its secrets or pull from ECR.`,
        sources: [],
        at: td.address,
      });
      continue;
    }
    const role: Principal = { arn: doc.executionRoleArn, role: "execution role" };
    const own = new CheckList();
    findings.push(
      ...(await deriveExecutionRoleChecks(doc, role, scope, lookups, own)).map((f) => ({ ...f, at: td.address })),
    );
    for (const c of own.all()) {
      for (const reason of c.reasons)
        checks.add(c.principal, c.action, c.resource, { reason: `${td.address}: ${reason}`, context: c.context });
      rowAddress.set(keyOf(c), td.address);
    }
    if (td.before?.executionRoleArn) {
      const old = new CheckList();
      await deriveExecutionRoleChecks(
        td.before,
        { arn: td.before.executionRoleArn, role: "execution role" },
        scope,
        lookups,
        old,
      );
      for (const c of old.all()) before.add(keyOf(c));
    } else if (td.change === "unchanged") {
      for (const c of own.all()) before.add(keyOf(c));
    }
  }

  const all = checks.all();
  const sets = new Map<string, PolicySet>();
  for (const arn of new Set(all.map((c) => c.principal.arn))) {
    sets.set(arn, await plannedPolicySet(arn, parsed.iam, deps.io, findings));
  }
  const deployedChecks = all.filter((c) => sets.get(c.principal.arn)?.deployed);
  const deployedRun = await simulateChecks(deployedChecks, deps.simulator);
  // planned-policies: false simulates the roles as deployed (a role the plan creates has no rows then).
  const plannedRun = inputs.plannedPolicies
    ? await simulateChecks(all, plannedSimulator(sets, deps.io))
    : await simulateChecks(all, deps.simulator);
  const deployed = new Map(deployedRun.rows.map((r) => [keyOf(r), r.verdict]));

  const extras: { fix?: Fix; fixVerified: boolean; deployedDecision: string; change: Change }[] = [];
  for (const row of plannedRun.rows) {
    const deployedDecision = deployed.get(keyOf(row)) ?? "roleNotDeployed";
    const isNew = !before.has(keyOf(row));
    const wasAllowed = deployedDecision === "allowed";
    const change: Change = denied(row)
      ? wasAllowed || isNew
        ? "breaks"
        : "staysDenied"
      : wasAllowed
        ? "staysAllowed"
        : "fixes";
    let fix: Fix | undefined;
    let fixVerified = false;
    if (denied(row) && row.verdict !== "explicitDeny") {
      const set = sets.get(row.principal.arn) as PolicySet;
      const candidate = proposeFix(row.action, row.resource, parsed.format, set.editAt);
      const proof = await simulateChecks(
        [row],
        plannedSimulator(sets, deps.io, new Map([[row.principal.arn, candidate.policyJson]])),
      );
      fixVerified = proof.rows[0]?.verdict === "allowed";
      if (fixVerified) fix = candidate;
    }
    extras.push({ ...(fix ? { fix } : {}), fixVerified, deployedDecision, change });
  }

  const report = buildReport({
    rows: plannedRun.rows,
    findings,
    taskDefinition: { family: selected.map((t) => t.doc?.family ?? t.address).join(", "), source: file.display },
    principals: [...sets.keys()].map((arn) => ({ role: "execution role", arn })),
    simulation: { requests: plannedRun.requests + deployedRun.requests, calls: plannedRun.calls + deployedRun.calls },
  });
  const rows = report.rows.map((r, i) => ({
    ...r,
    ...(extras[i] as (typeof extras)[number]),
    address: rowAddress.get(keyOf(plannedRun.rows[i] as Row)),
  }));
  const full = {
    ...report,
    rows,
    plan: {
      format: parsed.format,
      file: file.display,
      plannedPolicies: true,
      taskDefinitions: selected.map((t) => ({
        address: t.address,
        change: t.change,
        ...(t.unknown ? { unknown: t.unknown.reason } : {}),
      })),
      placeholders: Object.fromEntries(parsed.placeholders),
    },
  };
  const evidenceFile = new EvidenceWriter(inputs.evidenceDir).writeJson("iam_preflight", full);
  const accountIds = accountIdsIn(report);
  const markdown = `${changeSummary(rows, accountIds)}\n\n${reportMarkdown(report)}${fixesMarkdown(rows, accountIds)}`;

  const annotate = deps.annotate ?? annotateError;
  const where = (address?: string) => {
    const at = address ? locate(address) : undefined;
    return at ? { ...at, title: "IAM preflight" } : undefined;
  };
  for (const f of findings) if (f.severity === "fail") annotate(maskAccountIds(f.message, accountIds), where(f.at));
  for (const r of rows) {
    if (r.change !== "breaks" && r.change !== "staysDenied") continue;
    const msg = `${r.change === "breaks" ? "This PR breaks" : "Still denied"}: ${r.principal} is not allowed ${r.action} on ${r.resource} (needed for ${r.neededFor.join("; ")}).${r.fix ? ` Proven fix: add ${JSON.stringify(r.fix.statement)}${r.fix.edit ? ` to ${r.fix.edit}` : ""}.` : ""}`;
    annotate(maskAccountIds(msg, accountIds), where(r.address));
  }
  await (deps.publish ?? publishReport)({
    action: ACTION,
    key: `plan:${file.display}`,
    markdown,
    comment: inputs.comment,
    token: inputs.githubToken,
    prNumber: inputs.prNumber,
    env,
  });
  const outputs = {
    result: report.result,
    report: full,
    "denied-count": report.deniedCount,
    "evidence-file": evidenceFile,
  };
  if (report.result === "pass" || inputs.failOn === "never") return { outputs };
  const breaks = rows.filter((r) => r.change === "breaks").length;
  return {
    outputs,
    failure: `IAM preflight failed for the planned state of ${file.display}: ${report.deniedCount} permission check(s) denied (${breaks} broken by this change) and ${report.failingFindings} other problem(s). See the annotations and the job summary; each deny has a proven fix there.`,
  };
}

function withoutUnresolved(doc: TaskDefinitionDoc): TaskDefinitionDoc {
  return {
    ...doc,
    containerDefinitions: (doc.containerDefinitions ?? []).map((c) => ({
      ...c,
      secrets: (c.secrets ?? []).filter((s) => !isUnresolvedString(s.valueFrom)),
    })),
  };
}

type ReportRow = { change: Change; principal: string; action: string; resource: string; fix?: Fix };

function changeSummary(rows: ReportRow[], accountIds: string[]): string {
  const list = (change: Change) =>
    rows
      .filter((r) => r.change === change)
      .map((r) => `${code(r.action)} on ${code(maskAccountIds(r.resource, accountIds))}`);
  const line = (label: string, items: string[]) => (items.length > 0 ? `**${label}:** ${items.join(", ")}` : "");
  const lines = [
    line("this PR breaks", list("breaks")),
    line("this PR fixes", list("fixes")),
    line("stays denied", list("staysDenied")),
    line("stays allowed", list("staysAllowed")),
  ].filter(Boolean);
  return lines.length > 0 ? lines.join("  \n") : "This PR changes no permission the task definitions need.";
}

function fixesMarkdown(rows: ReportRow[], accountIds: string[]): string {
  const fixes = rows.filter((r) => r.fix);
  if (fixes.length === 0) return "";
  const blocks = fixes.map((r) => {
    const fix = r.fix as Fix;
    const body = fix.terraform ?? fix.cloudformation ?? fix.policyJson;
    const lang = fix.terraform ? "hcl" : fix.cloudformation ? "yaml" : "json";
    return `- ${escapeText(`${r.action} on ${maskAccountIds(r.resource, accountIds)}`)}${fix.edit ? ` — edit ${code(fix.edit)}` : ""} (verified: the simulation allows it with this statement added)\n\n\`\`\`${lang}\n${maskAccountIds(body, accountIds)}\n\`\`\`\n\n\`\`\`json\n${maskAccountIds(fix.policyJson, accountIds)}\n\`\`\``;
  });
  return `\n\n### Proven fixes\n\n${blocks.join("\n\n")}\n`;
}
