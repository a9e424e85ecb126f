/**
 * SimulatePrincipalPolicy names the matched policy and the statement's
 * position in it, not the statement's Sid. A reviewer wants the Sid, so the
 * preflight reads the role's policy documents (GetRolePolicy for inline
 * policies; ListAttachedRolePolicies, GetPolicy, GetPolicyVersion for managed
 * ones) and finds the statement at that position. Best effort: without those
 * read permissions the rows keep the policy name and line numbers.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  type IAMClient,
  paginateListAttachedRolePolicies,
} from "@aws-sdk/client-iam";
import { jsonValuePositions, type TextPosition } from "../../lib/annotations";
import { errorMessage } from "../../lib/errors";
import { onceEach } from "../../lib/once-each";
import type { MatchedStatement, Row } from "./checks";

/** Reads the text of a policy a matched statement came from; undefined when it cannot be found. */
export type PolicyReader = (roleArn: string, statement: MatchedStatement) => Promise<string | undefined>;

const decode = (doc: string | undefined) => {
  if (doc === undefined) return undefined;
  try {
    return decodeURIComponent(doc);
  } catch {
    return doc;
  }
};

export function iamPolicyReader(iam: IAMClient): PolicyReader {
  const roleName = (arn: string) => arn.split("/").pop() ?? arn;

  const attachedPolicies = onceEach(String, async (role: string) => {
    const byName = new Map<string, string>();
    for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: role })) {
      for (const a of page.AttachedPolicies ?? [])
        if (a.PolicyName && a.PolicyArn) byName.set(a.PolicyName, a.PolicyArn);
    }
    return byName;
  });

  const managed = async (policyArn: string) => {
    const policy = await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }));
    const version = policy.Policy?.DefaultVersionId;
    if (!version) return undefined;
    const out = await iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: version }));
    return decode(out.PolicyVersion?.Document);
  };

  const inline = async (role: string, name: string) =>
    decode((await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name }))).PolicyDocument);
  const attached = async (role: string, policy: string) => {
    const arn = policy.startsWith("arn:") ? policy : (await attachedPolicies(role)).get(policy);
    return arn ? managed(arn) : undefined;
  };

  return onceEach(
    (roleArn: string, statement: MatchedStatement) => `${roleArn}\n${statement.policyType ?? ""}\n${statement.policy}`,
    async (roleArn: string, statement: MatchedStatement) => {
      const role = roleName(roleArn);
      const { policy, policyType } = statement;
      // As the API reference documents the Statement type: the inline policy's name with type `role`.
      if (policyType === "role") return inline(role, policy);
      if (policyType === "aws-managed" || policyType === "user-managed") return attached(role, policy);
      // As IAM is seen answering (type "IAM Policy"): `role_<RoleName>_<PolicyName>` for an inline policy (the
      // role's name is known, so a `_` in either name does not mislead), a managed policy by its name, and
      // `PolicyInputList.N` / a resource policy, which are not the role's to read.
      if (policyType !== undefined && policyType !== "IAM Policy") return undefined;
      const prefix = `role_${role}_`;
      if (policy.startsWith(prefix) && policy.length > prefix.length) return inline(role, policy.slice(prefix.length));
      return attached(role, policy);
    },
  );
}

const before = (a: TextPosition, b: TextPosition) => a.line < b.line || (a.line === b.line && a.column <= b.column);

/** The Sid (or `statement N`) of the statement that starts within [start, end] of the policy text. */
export function statementAt(text: string, start: TextPosition, end: TextPosition): string | undefined {
  const positions = jsonValuePositions(text);
  let parsed: { Statement?: unknown };
  try {
    parsed = JSON.parse(text) as { Statement?: unknown };
  } catch {
    return undefined;
  }
  const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  for (let i = 0; i < statements.length; i++) {
    const at = positions.get(Array.isArray(parsed.Statement) ? `.Statement[${i}]` : ".Statement");
    if (at && before(start, at) && before(at, end)) {
      const sid = (statements[i] as { Sid?: unknown } | undefined)?.Sid;
      return typeof sid === "string" && sid !== "" ? sid : `statement ${i + 1}`;
    }
  }
  return undefined;
}

/**
 * Fills `sid` on every matched statement of the rows. Returns undefined when
 * it worked, else why not (for one line in the report).
 */
export async function addStatementIds(rows: Row[], read: PolicyReader): Promise<string | undefined> {
  try {
    for (const row of rows) {
      if (!row.principal.arn.includes(":role/")) continue;
      for (const m of row.matched) {
        if (!m.start || !m.end) continue;
        const text = await read(row.principal.arn, m);
        const sid = text ? statementAt(text, m.start, m.end) : undefined;
        if (sid) m.sid = sid;
      }
    }
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}
