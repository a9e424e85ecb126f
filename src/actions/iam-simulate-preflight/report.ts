/**
 * The preflight's report: a JSON document (output and evidence, complete and
 * unmasked, stays on the runner) and the markdown for the job summary and the
 * PR comment (escaped, account IDs masked).
 */
import { code, escapeText, table } from "../../lib/report-markdown";
import type { Finding, MatchedStatement, Row } from "./checks";

export const LIMITATION =
  "SimulatePrincipalPolicy evaluates the role's identity-based policies (and permissions boundary and SCPs) only. " +
  "The preflight reads the KMS key policies and secret resource policies of the role's own account itself (those a plan sets, from the plan): a Deny that applies, " +
  "or a key policy that neither lets IAM policies grant access nor names the role, fails the row; conditions it cannot decide are warnings. " +
  "Another account's secret is checked only as far as that account lets the preflight read it. " +
  "It does not evaluate key policies of other accounts' keys, other resource policies (ECR repository policies, S3 bucket policies) " +
  "or resource control policies (RCPs): an `allowed` row can still be denied by one of those at run time.";

export interface PreflightReport {
  result: "pass" | "fail";
  /** Rows IAM denies (implicitly or explicitly). */
  deniedCount: number;
  /** Rows IAM does not allow because a context key was missing ("needs context X"): failing, but not a plain deny. */
  needsContextCount: number;
  failingFindings: number;
  /** Absent when only roles were checked (no task-definition input). */
  taskDefinition?: { family: string; revision?: number; source: string };
  principals: { role: string; arn: string }[];
  rows: {
    principal: string;
    principalRole: string;
    action: string;
    resource: string;
    decision: string;
    verdict: Row["verdict"];
    matchedStatements: MatchedStatement[];
    missingContext: string[];
    context: Row["context"];
    neededFor: string[];
  }[];
  findings: { severity: string; subject: string; message: string }[];
  simulation: { requests: number; calls: number; checks: number };
  /** Why matched statements show no Sid (the policy documents could not be read). */
  statementIdsUnavailable?: string;
  limitation: string;
}

export function buildReport(input: {
  rows: Row[];
  findings: Finding[];
  taskDefinition?: PreflightReport["taskDefinition"];
  principals: PreflightReport["principals"];
  simulation: { requests: number; calls: number };
  statementIdsUnavailable?: string;
}): PreflightReport {
  const deniedCount = input.rows.filter((r) => r.verdict === "implicitDeny" || r.verdict === "explicitDeny").length;
  const needsContextCount = input.rows.filter((r) => r.verdict === "needsContext").length;
  const failingFindings = input.findings.filter((f) => f.severity === "fail").length;
  // `notSimulated` rows always come with the failing finding that says why.
  const failing = input.rows.some((r) => r.verdict !== "allowed") || failingFindings > 0;
  return {
    result: failing ? "fail" : "pass",
    deniedCount,
    needsContextCount,
    failingFindings,
    ...(input.taskDefinition ? { taskDefinition: input.taskDefinition } : {}),
    principals: input.principals,
    rows: input.rows.map((r) => ({
      principal: r.principal.arn,
      principalRole: r.principal.role,
      action: r.action,
      resource: r.resource,
      decision: r.decision,
      verdict: r.verdict,
      matchedStatements: r.matched,
      missingContext: r.missingContext,
      context: r.context,
      neededFor: r.reasons,
    })),
    findings: input.findings.map((f) => ({ severity: f.severity, subject: f.subject, message: f.message })),
    simulation: { ...input.simulation, checks: input.rows.length },
    ...(input.statementIdsUnavailable ? { statementIdsUnavailable: input.statementIdsUnavailable } : {}),
    limitation: LIMITATION,
  };
}

const VERDICT: Record<string, string> = {
  allowed: "✅ allowed",
  implicitDeny: "❌ implicit deny",
  explicitDeny: "⛔ explicit deny",
  needsContext: "❔ needs context",
  notSimulated: "➖ not simulated (principal does not exist)",
};

function statementsCell(matched: MatchedStatement[]): string {
  if (matched.length === 0) return "none";
  return matched
    .map((m) => `${code(m.policy)}${m.sid ? ` ${code(m.sid)}` : ""}${m.lines ? ` (${m.lines})` : ""}`)
    .join("<br>");
}

function rowsTable(rows: PreflightReport["rows"]): string {
  return table(
    ["Principal", "Action", "Resource", "Decision", "Matched statements", "Missing context", "Needed for"],
    rows.map((r) => [
      `${escapeText(r.principalRole)}<br>${code(r.principal.split("/").pop() ?? r.principal)}`,
      code(r.action),
      code(r.resource, 200),
      r.verdict === "needsContext"
        ? `${VERDICT.needsContext} ${r.missingContext.map((k) => code(k)).join(", ")}`
        : (VERDICT[r.verdict] ?? escapeText(r.verdict)),
      statementsCell(r.matchedStatements),
      r.missingContext.length > 0 ? r.missingContext.map((k) => code(k)).join("<br>") : "",
      r.neededFor.map((n) => escapeText(n)).join("<br>"),
    ]),
  );
}

/**
 * The markdown for the job summary and the PR comment (account IDs are
 * masked where they are written: lib/job-report.ts, as `mask-account-ids` says).
 * `opts.subject` names what the report is about in its title (one section per
 * task definition of a plan); `opts.lead` goes right under the title;
 * `opts.section` leaves out the limitation and the request count (the caller
 * writes them once after all sections).
 */
export function reportMarkdown(
  report: PreflightReport,
  opts: { subject?: string; lead?: string; section?: boolean } = {},
): string {
  const td = report.taskDefinition;
  const denied = report.rows.filter((r) => r.verdict !== "allowed");
  const allowed = report.rows.filter((r) => r.verdict === "allowed");
  const failing = report.findings.filter((f) => f.severity === "fail");
  // Warnings (also annotated on their line) lead the notes.
  const notes = [
    ...report.findings.filter((f) => f.severity === "warning").map((f) => ({ ...f, message: `⚠️ ${f.message}` })),
    ...report.findings.filter((f) => f.severity === "note"),
  ];
  const subject = opts.subject ? `${code(opts.subject)}: ` : "";
  const title =
    report.result === "pass"
      ? `### ✅ ${subject}IAM preflight passed: ${report.rows.length} permission checks allowed`
      : `### ❌ ${subject}IAM preflight failed: ${report.deniedCount} denied, ${report.needsContextCount > 0 ? `${report.needsContextCount} need context, ` : ""}${failing.length} other problem${failing.length === 1 ? "" : "s"}`;
  const lines = [
    title,
    "",
    ...(opts.lead ? [opts.lead, ""] : []),
    `${td ? `Task definition ${code(td.family)}${td.revision !== undefined ? ` revision ${td.revision}` : ""} from ${code(td.source)}; ` : ""}` +
      report.principals.map((p) => `${escapeText(p.role)} ${code(p.arn)}`).join(", "),
    "",
  ];
  if (failing.length > 0) {
    lines.push("#### Problems", "", ...failing.map((f) => `- ${escapeText(f.message, 600)}`), "");
  }
  if (denied.length > 0) lines.push("#### Denied", "", rowsTable(denied), "");
  if (notes.length > 0) lines.push("#### Notes", "", ...notes.map((f) => `- ${escapeText(f.message, 600)}`), "");
  if (allowed.length > 0) {
    lines.push(`<details><summary>${allowed.length} allowed</summary>`, "", rowsTable(allowed), "", "</details>", "");
  }
  if (opts.section) return lines.join("\n");
  lines.push(
    `> [!IMPORTANT]\n> ${LIMITATION}`,
    "",
    `<sub>${report.simulation.checks} checks in ${report.simulation.requests} SimulatePrincipalPolicy requests.${
      report.statementIdsUnavailable
        ? ` Statement ids could not be read (${escapeText(report.statementIdsUnavailable, 200)}): grant iam:GetRolePolicy, iam:ListAttachedRolePolicies, iam:GetPolicy and iam:GetPolicyVersion to see them.`
        : ""
    }</sub>`,
    "",
  );
  return lines.join("\n");
}
