/**
 * The JSON an `aws_iam_policy_document` data source will render, for one the
 * plan defers to apply (action `read`, `json` unknown) because a statement
 * references a resource the plan creates: its statement blocks are known
 * except those references, which become the resources' placeholders.
 * Rendering follows the provider's documented mapping of blocks to JSON
 * (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/iam_policy_document).
 */
import type { PlanValues, ResourceChange } from "./terraform-values";
import type { Unresolved } from "./types";

type Block = Record<string, unknown>;

const one = (list: string[]) => (list.length === 1 ? list[0] : list);

export function renderPolicyDocument(
  rc: ResourceChange,
  values: PlanValues,
): { document?: string; unknown?: Unresolved } {
  const after = rc.change.after ?? {};
  const unknownTree = (rc.change.after_unknown ?? {}) as Block;
  const at = `${rc.address}.json`;
  for (const merged of ["source_policy_documents", "override_policy_documents", "source_json", "override_json"]) {
    const v = after[merged];
    if ((Array.isArray(v) && v.length > 0) || (typeof v === "string" && v !== "") || unknownTree[merged] === true) {
      return {
        unknown: { at, reason: `unknown until apply: it merges ${merged}, which the preflight does not render` },
      };
    }
  }
  if (unknownTree.statement === true)
    return { unknown: { at, reason: "unknown until apply: its statements are unknown" } };
  const statements = Array.isArray(after.statement) ? (after.statement as Block[]) : [];
  const unknownStatements = Array.isArray(unknownTree.statement) ? (unknownTree.statement as Block[]) : [];
  const out: Block[] = [];
  for (const [i, s] of statements.entries()) {
    const u = unknownStatements[i] ?? {};
    const list = (key: string): string[] | Unresolved => {
      const known = Array.isArray(s[key]) ? (s[key] as unknown[]) : [];
      const unknownFlags = u[key];
      if (unknownFlags !== true && !(Array.isArray(unknownFlags) && unknownFlags.includes(true))) {
        return known.map(String);
      }
      // Unknown elements: resolvable only when the list is one reference (`[aws_x.y.arn]`).
      const refs = values.referencesOf(rc, ["statement", i, key]);
      const resolved = refs.length === 1 ? values.referencedString(rc, refs[0] as string) : undefined;
      const total = Array.isArray(unknownFlags) ? unknownFlags.length : 1;
      if (resolved !== undefined && total === 1) return [resolved];
      return {
        at: `${rc.address}.statement[${i}].${key}`,
        reason: `unknown until apply: computed from ${refs.join(", ") || "values the plan does not show"}`,
      };
    };
    const statement: Block = {};
    if (typeof s.sid === "string" && s.sid !== "") statement.Sid = s.sid;
    statement.Effect = typeof s.effect === "string" && s.effect !== "" ? s.effect : "Allow";
    for (const [key, name] of [
      ["actions", "Action"],
      ["not_actions", "NotAction"],
      ["resources", "Resource"],
      ["not_resources", "NotResource"],
    ] as const) {
      const v = list(key);
      if (!Array.isArray(v)) return { unknown: v };
      if (v.length > 0) statement[name] = one([...v].sort());
    }
    for (const [key, name] of [
      ["principals", "Principal"],
      ["not_principals", "NotPrincipal"],
    ] as const) {
      const blocks = Array.isArray(s[key]) ? (s[key] as Block[]) : [];
      if (blocks.length === 0) continue;
      const principal: Record<string, unknown> = {};
      for (const b of blocks) principal[String(b.type)] = one((b.identifiers as string[]) ?? []);
      statement[name] = principal;
    }
    const conditions = Array.isArray(s.condition) ? (s.condition as Block[]) : [];
    if (conditions.length > 0) {
      const condition: Record<string, Record<string, unknown>> = {};
      for (const c of conditions) {
        const test = String(c.test);
        condition[test] = { ...(condition[test] ?? {}), [String(c.variable)]: one((c.values as string[]) ?? []) };
      }
      statement.Condition = condition;
    }
    out.push(statement);
  }
  const version = typeof after.version === "string" && after.version !== "" ? after.version : "2012-10-17";
  return { document: JSON.stringify({ Version: version, Statement: out }) };
}
