/**
 * The preflight of a Terraform plan or a CloudFormation template: each task
 * definition the change registers (or whose roles it changes) is checked
 * against its roles' policies as the change will leave them
 * (SimulateCustomPolicy), and against the deployed ones
 * (SimulatePrincipalPolicy), so the report says what the pull request breaks
 * and what it fixes. Every deny comes with a statement proven to allow it.
 */
import type { SimulatePrincipalPolicyCommandInput } from "@aws-sdk/client-iam";
import { type Annotator, annotatorFor } from "../../../lib/annotations";
import { InputError } from "../../../lib/errors";
import { EvidenceWriter } from "../../../lib/evidence";
import { code, escapeText } from "../../../lib/report-markdown";
import type { ActionDeps, ActionResult } from "../../../lib/run-action";
import type { KeyInfo, Lookups } from "../aws-lookups";
import { type Check, CheckList, type Finding, type Principal, type Row, type Scope } from "../checks";
import { deriveExecutionRoleChecks, type TaskDefinitionDoc } from "../derive";
import type { PreflightInputs } from "../inputs";
import { buildReport, LIMITATION, reportMarkdown } from "../report";
import type { PreflightDeps } from "../run";
import { type Simulator, simulateChecks } from "../simulate";
import { publishVerdict } from "../verdict";
import type { PlanIo } from "./aws-io";
import { isUnresolvedString } from "./cfn-intrinsics";
import { importsExports, parseCloudFormation } from "./cloudformation";
import type { PlannedInput } from "./detect";
import { selectTaskDefinitions } from "./detect";
import { type Fix, proposeFix } from "./fix";
import { type PolicySet, plannedPolicySet } from "./policy-set";
import { type Locate, terraformBlocks, terraformLocator } from "./source-lines";
import { PlanFormatError, parseTerraformPlan } from "./terraform";
import { kmsKeyArn, type ParsedPlan, type PlannedResourcePolicy } from "./types";

export interface PlannedDeps extends ActionDeps {
  lookups: Lookups;
  /** SimulatePrincipalPolicy: the deployed decision. */
  simulator: Simulator;
  io: PlanIo;
  publish: PreflightDeps["publish"];
  annotate?: Annotator;
  warn?: Annotator;
  env?: NodeJS.ProcessEnv;
}

export interface PlannedFile {
  /** Workspace-relative path (annotations), or the display name. */
  display: string;
  relative?: string;
}

type Change = "breaks" | "fixes" | "staysDenied" | "staysAllowed";

async function parse(
  planned: PlannedInput,
  inputs: PreflightInputs,
  io: PlanIo,
  scope: Scope,
  display: string,
  workspace: string,
) {
  try {
    if (planned.format === "terraform-plan") return parseTerraformPlan(planned.plan, scope, terraformBlocks(workspace));
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

/**
 * Lookups that know the plan: a secret or a key the plan creates exists once applied; a key policy, a secret's
 * resource policy or a key's enabled state that the plan sets is the one it will have (`plannedPolicy` tells the
 * findings where it is declared); a policy the plan leaves unknown is not known (the report lists it as unresolved).
 */
function plannedLookups(lookups: Lookups, parsed: ParsedPlan, scope: Scope, read: Set<string>): Lookups {
  const created = new Set(parsed.placeholders.values());
  const planned = (map: Map<string, PlannedResourcePolicy> | undefined, arn: string) => {
    const entry = map?.get(arn);
    if (!entry || (entry.policy === undefined && !entry.unknown)) return undefined;
    read.add(entry.address);
    return entry;
  };
  // The policy the plan sets; else, for what the plan creates, none known; else the deployed one.
  const policyLookup =
    (map: Map<string, PlannedResourcePolicy> | undefined, deployed: (arn: string) => Promise<string | undefined>) =>
    async (arn: string) => {
      const entry = planned(map, arn);
      if (entry) return entry.policy ?? undefined;
      return created.has(arn) ? undefined : deployed(arn);
    };
  // Whether the plan enables, disables or destroys the key.
  const withPlannedState = (key: KeyInfo): KeyInfo => {
    const planned = parsed.plannedKeys?.get(key.arn);
    if (!planned || key.manager === "AWS") return key;
    if (planned.deleted) return { ...key, state: "PendingDeletion", stateBy: planned.address };
    const { enabled } = planned;
    if (!enabled) return key;
    if (enabled.value) return key.state === "Disabled" ? { ...key, state: "Enabled" } : key;
    return { ...key, state: "Disabled", stateBy: enabled.address };
  };
  return {
    ...lookups,
    describeSecret: async (id, region) => {
      if (!created.has(id)) {
        const deployed = await lookups.describeSecret(id, region);
        if (!deployed) return deployed;
        // A deployed secret the plan destroys, or moves to another key ("": the AWS managed key).
        const destroyed = parsed.plannedSecrets?.get(deployed.arn);
        if (destroyed?.deleted) return { ...deployed, deletedBy: destroyed.address };
        const moved = parsed.plannedSecretKeys?.get(deployed.arn);
        if (moved === undefined) return deployed;
        const { kmsKeyId: _before, ...rest } = deployed;
        return moved ? { ...rest, kmsKeyId: moved } : rest;
      }
      const kmsKeyId = parsed.plannedSecretKeys?.get(id);
      return { arn: id, name: id.replace(/^.*:secret:/, ""), ...(kmsKeyId ? { kmsKeyId } : {}) };
    },
    describeKey: async (keyId, region) => {
      // An alias the plan creates (or points at another key) names the key it will name once applied.
      const aliased = parsed.plannedAliases?.get(keyId);
      // A bare key id (CloudFormation's Ref of a key) names a key of the plan's account.
      const arn = aliased ?? kmsKeyArn(keyId, { ...scope, region });
      // A key the plan creates is customer managed.
      const key = created.has(arn)
        ? { arn, manager: "CUSTOMER", state: "Enabled" }
        : await lookups.describeKey(aliased ?? keyId, region);
      return key && withPlannedState(key);
    },
    keyPolicy: policyLookup(parsed.plannedKeys, lookups.keyPolicy),
    secretPolicy: policyLookup(parsed.plannedSecrets, lookups.secretPolicy),
    plannedPolicy: (arn) => planned(parsed.plannedKeys, arn) ?? planned(parsed.plannedSecrets, arn),
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
  const parsed = await parse(planned, inputs, deps.io, scope, file.display, workspace);
  const selected = selectTaskDefinitions(parsed, inputs.taskDefinitionAddress, file.display);
  // The resources whose planned key or secret policy the checks read (a note says which were evaluated from source).
  const policiesRead = new Set<string>();
  const lookups = plannedLookups(deps.lookups, parsed, scope, policiesRead);
  const locate: Locate =
    planned.format === "terraform-plan"
      ? terraformLocator(workspace)
      : (address) => {
          const line = planned.lines.get(address);
          return line && file.relative ? { file: file.relative, line } : undefined;
        };

  /** `at`: the task definition a finding is about; `role`: the role whose policies it is about. */
  const findings: (Finding & { at?: string; role?: string })[] = [];
  const checks = new CheckList();
  const before = new Set<string>();
  /** Row key → the task definitions that need it (several share a role's check). */
  const rowAddresses = new Map<string, string[]>();
  /** Task definition address → its roles' ARNs. */
  const roleOf = new Map<string, string[]>();
  const roleKinds = new Map<string, Principal["role"]>();
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
    if (td.evaluatedFrom) {
      findings.push({
        severity: "note",
        subject: td.address,
        message: `${td.address}: ${td.evaluatedFrom}`,
        sources: [],
        at: td.address,
      });
    }
    if (td.fromReferences) {
      findings.push({
        severity: "note",
        subject: td.address,
        message: `${td.address}: ${td.fromReferences.reason}`,
        sources: [],
        at: td.address,
      });
    }
    const doc = withoutUnresolved(td.doc);
    // task-role-checks against the task role as the plan leaves it (a PR may change only its policies).
    if (doc.taskRoleArn) {
      const task: Principal = { arn: doc.taskRoleArn, role: "task role" };
      roleOf.set(td.address, [...(roleOf.get(td.address) ?? []), task.arn]);
      for (const c of inputs.taskRoleChecks) {
        for (const resource of c.resources) {
          checks.add(task, c.action, resource, { reason: `${td.address}: task-role-checks`, context: c.context });
          const key = keyOf({ principal: task, action: c.action, resource });
          rowAddresses.set(key, [...(rowAddresses.get(key) ?? []), td.address]);
          if (td.change !== "create") before.add(key);
        }
      }
    }
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
    roleOf.set(td.address, [...(roleOf.get(td.address) ?? []), doc.executionRoleArn]);
    const role: Principal = { arn: doc.executionRoleArn, role: "execution role" };
    const own = new CheckList();
    findings.push(
      ...(await deriveExecutionRoleChecks(doc, role, scope, lookups, own)).map((f) => ({ ...f, at: td.address })),
    );
    for (const c of own.all()) {
      // grantedBy: a key policy or a secret's resource policy that grants the role on its own stays with the row.
      for (const reason of c.reasons)
        checks.add(c.principal, c.action, c.resource, {
          reason: `${td.address}: ${reason}`,
          context: c.context,
          grantedBy: c.grantedBy,
        });
      const key = keyOf(c);
      rowAddresses.set(key, [...(rowAddresses.get(key) ?? []), td.address]);
    }
    if (td.before?.executionRoleArn) {
      // What the deployed task definition needs as AWS is now (not as the plan leaves its secrets and keys).
      const old = new CheckList();
      await deriveExecutionRoleChecks(
        td.before,
        { arn: td.before.executionRoleArn, role: "execution role" },
        scope,
        deps.lookups,
        old,
      );
      for (const c of old.all()) before.add(keyOf(c));
    } else if (td.change === "unchanged") {
      for (const c of own.all()) before.add(keyOf(c));
    }
  }

  const all = checks.all();
  const sets = new Map<string, PolicySet>();
  for (const c of all) roleKinds.set(c.principal.arn, c.principal.role);
  for (const arn of new Set(all.map((c) => c.principal.arn))) {
    const about: Finding[] = [];
    const set = await plannedPolicySet(arn, parsed.iam, deps.io, about);
    sets.set(arn, set);
    // Policies evaluated from the .tf source (unknown in the plan): the report says so, with the placeholders.
    for (const address of new Set(set.sources)) {
      const note = parsed.evaluatedFrom?.get(address);
      if (note) about.push({ severity: "note", subject: address, message: `${note}.`, sources: [] });
    }
    findings.push(...about.map((f) => ({ ...f, role: arn })));
  }
  for (const address of policiesRead) {
    const note = parsed.evaluatedFrom?.get(address);
    if (note) findings.push({ severity: "note", subject: address, message: `${note}.`, sources: [] });
  }
  // As deployed: without the grants of resource policies that only the plan sets.
  const deployedChecks = all
    .filter((c) => sets.get(c.principal.arn)?.deployed)
    .map((c): Check => {
      if (!c.grantedBy?.plannedBy) return c;
      const { grantedBy: _planned, ...rest } = c;
      return rest;
    });
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
      const form = set.editAt ? parsed.policyForms?.get(set.editAt) : undefined;
      const candidate = proposeFix(row.action, row.resource, parsed.format, set.editAt, row.context, {
        ...(form ? { form } : {}),
        reference: (value) => referenceTo(parsed, value, set.editAt),
      });
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
    principals: [...sets.keys()].map((arn) => ({ role: roleKinds.get(arn) ?? "execution role", arn })),
    simulation: { requests: plannedRun.requests + deployedRun.requests, calls: plannedRun.calls + deployedRun.calls },
  });
  const rows = report.rows.map((r, i) => {
    const addresses = rowAddresses.get(keyOf(plannedRun.rows[i] as Row)) ?? [];
    return { ...r, ...(extras[i] as (typeof extras)[number]), address: addresses[0], addresses };
  });

  // One section (and one annotation) per task definition: its rows, its findings and its roles' findings.
  const sections = selected.map((td) => {
    const mine = (f: (typeof findings)[number]) =>
      f.at === td.address || (f.role !== undefined && (roleOf.get(td.address) ?? []).includes(f.role));
    const indexes = rows.flatMap((r, i) => (r.addresses.includes(td.address) ? [i] : []));
    // A row several task definitions share says, in each section, what this one needs it for.
    const own = (reasons: string[]) => reasons.filter((x) => x.startsWith(`${td.address}: `));
    const sectionReport = buildReport({
      rows: indexes.map((i) => {
        const row = plannedRun.rows[i] as Row;
        return { ...row, reasons: own(row.reasons) };
      }),
      findings: findings.filter(mine),
      taskDefinition: { family: td.doc?.family ?? td.address, source: `${td.address} in ${file.display}` },
      principals: report.principals.filter((p) => (roleOf.get(td.address) ?? []).includes(p.arn)),
      simulation: { requests: 0, calls: 0 },
    });
    const sectionRows = indexes.map((i) => {
      const row = rows[i] as (typeof rows)[number];
      return { ...row, neededFor: own(row.neededFor) };
    });
    return { td, report: sectionReport, rows: sectionRows };
  });
  const general = findings.filter((f) => f.severity === "fail" && f.at === undefined && f.role === undefined);
  const several = sections.length > 1;
  const markdown = [
    changeSummary(rows, several),
    ...(general.length > 0
      ? [
          `#### Problems with ${code(file.display)}\n\n${general.map((f) => `- ${escapeText(f.message, 600)}`).join("\n")}`,
        ]
      : []),
    ...sections.map(
      (s) =>
        `${reportMarkdown(s.report, {
          subject: s.td.address,
          section: true,
          ...(several ? { lead: changeSummary(s.rows, false) } : {}),
        })}${fixesMarkdown(s.rows)}`,
    ),
    `> [!IMPORTANT]\n> ${LIMITATION}`,
    `<sub>${report.simulation.checks} checks in ${report.simulation.requests} simulation requests (SimulateCustomPolicy with the planned policies, SimulatePrincipalPolicy with the deployed ones), not counting the fix proofs.</sub>`,
  ].join("\n\n");
  const full = {
    ...report,
    rows,
    plan: {
      format: parsed.format,
      file: file.display,
      plannedPolicies: true,
      taskDefinitions: sections.map((s) => ({
        address: s.td.address,
        change: s.td.change,
        ...(s.td.unknown ? { unknown: s.td.unknown.reason } : {}),
        result: s.report.result,
        deniedCount: s.report.deniedCount,
        needsContextCount: s.report.needsContextCount,
        failingFindings: s.report.failingFindings,
        breaks: s.rows.filter((r) => r.change === "breaks").length,
      })),
      placeholders: Object.fromEntries(parsed.placeholders),
    },
  };
  const evidenceFile = new EvidenceWriter(inputs.evidenceDir).writeJson("iam_preflight", full);

  const annotate = deps.annotate ?? annotatorFor(deps.log.annotation, "error");
  const where = (address?: string) => {
    const at = address ? locate(address) : undefined;
    return at ? { ...at, title: "IAM preflight" } : undefined;
  };
  for (const f of general) annotate(f.message, where());
  for (const s of sections) {
    const message = sectionAnnotation(s.td.address, s.rows, s.report.findings);
    if (message) annotate(message, where(s.td.address));
    // Checked through its references only: never a silent pass.
    if (s.td.fromReferences) {
      (deps.warn ?? annotatorFor(deps.log.annotation, "warning"))(
        `${s.td.address}: ${s.td.fromReferences.reason}`,
        where(s.td.address),
      );
    }
  }
  return publishVerdict(inputs, deps, env, {
    key: `plan:${file.display}`,
    markdown,
    result: report.result,
    deniedCount: report.deniedCount,
    report: full,
    evidenceFile,
    failure: () => {
      const breaks = rows.filter((r) => r.change === "breaks").length;
      const failingSections = sections.filter((s) => s.report.result === "fail").map((s) => s.td.address);
      return `IAM preflight failed for the planned state of ${file.display}${failingSections.length > 0 ? ` (${failingSections.join(", ")})` : ""}: ${report.deniedCount} permission check(s) denied (${breaks} broken by this change) and ${report.failingFindings} other problem(s). See the annotations and the job summary; each deny has a proven fix there.`;
    },
  });
}

type ReportRow = {
  change: Change;
  principal: string;
  action: string;
  resource: string;
  neededFor: string[];
  fix?: Fix;
  addresses: string[];
};

/**
 * The one annotation of a task definition: what the PR breaks in it (with
 * the proven fix), what stays denied, and its other problems. Undefined when
 * nothing fails.
 */
function sectionAnnotation(
  address: string,
  rows: ReportRow[],
  findings: { severity: string; message: string }[],
): string | undefined {
  const line = (r: ReportRow) =>
    `- ${r.principal} is not allowed ${r.action} on ${r.resource} (needed for ${r.neededFor.join("; ")}).${r.fix ? ` Proven fix: add ${JSON.stringify(r.fix.statement)}${r.fix.edit ? ` to ${r.fix.edit}` : ""}.` : ""}`;
  const breaks = rows.filter((r) => r.change === "breaks");
  const stays = rows.filter((r) => r.change === "staysDenied");
  const problems = findings.filter((f) => f.severity === "fail");
  if (breaks.length + stays.length + problems.length === 0) return undefined;
  const head =
    breaks.length > 0
      ? `This PR breaks ${address}: ${breaks.length} permission check(s) denied with the planned policies.`
      : stays.length > 0
        ? `Still denied in ${address}: ${stays.length} permission check(s).`
        : `IAM preflight cannot pass ${address}: ${problems.length} problem(s).`;
  return [
    head,
    ...breaks.map(line),
    ...(stays.length > 0 && breaks.length > 0 ? ["Still denied:"] : []),
    ...stays.map(line),
    ...(problems.length > 0 && breaks.length + stays.length > 0 ? ["Other problems:"] : []),
    ...problems.map((f) => `- ${f.message}`),
  ].join("\n");
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

function changeSummary(rows: ReportRow[], withAddresses: boolean): string {
  const list = (change: Change) =>
    rows
      .filter((r) => r.change === change)
      .map(
        (r) =>
          `${code(r.action)} on ${code(r.resource)}${withAddresses ? ` (${r.addresses.map((a) => code(a)).join(", ")})` : ""}`,
      );
  const line = (label: string, items: string[]) => (items.length > 0 ? `**${label}:** ${items.join(", ")}` : "");
  const lines = [
    line("this PR breaks", list("breaks")),
    line("this PR fixes", list("fixes")),
    line("stays denied", list("staysDenied")),
    line("stays allowed", list("staysAllowed")),
  ].filter(Boolean);
  return lines.length > 0 ? lines.join("  \n") : "This PR changes no permission the task definitions need.";
}

function fixesMarkdown(rows: ReportRow[]): string {
  const fixes = rows.filter((r) => r.fix);
  if (fixes.length === 0) return "";
  const blocks = fixes.map((r) => {
    const fix = r.fix as Fix;
    const body = fix.terraform ?? fix.cloudformation ?? fix.policyJson;
    const lang = fix.terraform ? "hcl" : fix.cloudformation ? "yaml" : "json";
    return `- ${escapeText(`${r.action} on ${r.resource}`)}${fix.edit ? ` — edit ${code(fix.edit)}` : ""} (verified: the simulation allows it with this statement added)\n\n\`\`\`${lang}\n${body}\n\`\`\`\n\n\`\`\`json\n${fix.policyJson}\n\`\`\``;
  });
  return `\n\n#### Proven fixes\n\n${blocks.join("\n\n")}\n`;
}

/**
 * The Terraform reference for a placeholder ARN in a fix
 * (`aws_secretsmanager_secret.token.arn` for the token's placeholder), when
 * the resource is in the same module as the policy to edit: a placeholder is
 * not the ARN the resource will get.
 */
function referenceTo(parsed: ParsedPlan, value: string, edit: string | undefined): string | undefined {
  const moduleOf = (address: string) => /^((?:module\.[^.]+(?:\[[^\]]*\])?\.)*)/.exec(address)?.[1] ?? "";
  for (const [address, arn] of parsed.placeholders) {
    if (arn !== value || parsed.format !== "terraform-plan") continue;
    const module = moduleOf(address);
    if (edit !== undefined && moduleOf(edit) !== module) return undefined;
    return `${address.slice(module.length)}.arn`;
  }
  return undefined;
}
