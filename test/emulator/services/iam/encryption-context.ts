/**
 * `kms:EncryptionContext:<key>` conditions. IAM supports them on every KMS
 * cryptographic operation
 * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context),
 * but @cloud-copilot/iam-simulate only matches templated keys written with a
 * `/` and ignores these, so a statement scoped to a secret's or parameter's
 * encryption context could never match. The emulator decides these
 * conditions itself (the string operators, which is what the key supports)
 * and hands iam-simulate the statement without them — or with a condition
 * that cannot hold when they do not.
 */
import { createValidatedPolicy, validateIdentityPolicy } from "@cloud-copilot/iam-policy";
import type { CompiledPrincipal } from "./evaluate";

const KEY = /^kms:encryptioncontext:/i;
/** A condition iam-simulate evaluates as false, and a key the emulator never reports as missing. */
export const NEVER_KEY = "aws:CalledViaFirst";
const NEVER = { StringEquals: { [NEVER_KEY]: "emulator:encryption-context-condition-not-met" } };

const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const like = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  ).test(value);

function conditionHolds(operator: string, expected: string[], actual: string[] | undefined): boolean | "missing" {
  const ifExists = /IfExists$/.test(operator);
  const base = operator.replace(/^For(Any|All)Values:/, "").replace(/IfExists$/, "");
  if (base === "Null") return (actual === undefined) === (expected[0] === "true");
  if (actual === undefined) return ifExists ? true : "missing";
  const test = (v: string) => {
    switch (base) {
      case "StringEquals":
        return expected.includes(v);
      case "StringNotEquals":
        return !expected.includes(v);
      case "StringEqualsIgnoreCase":
        return expected.some((e) => e.toLowerCase() === v.toLowerCase());
      case "StringNotEqualsIgnoreCase":
        return !expected.some((e) => e.toLowerCase() === v.toLowerCase());
      case "StringLike":
        return expected.some((e) => like(e, v));
      case "StringNotLike":
        return !expected.some((e) => like(e, v));
      default:
        return false;
    }
  };
  return operator.startsWith("ForAllValues:") ? actual.every(test) : actual.some(test);
}

/** The principal with its encryption-context conditions decided for `context`, and the keys it missed. */
export function withEncryptionContext(
  principal: CompiledPrincipal,
  context: Record<string, string | string[]>,
): { principal: CompiledPrincipal; missing: string[] } {
  if (!principal.policies.some((p) => /kms:EncryptionContext:/i.test(p.text))) return { principal, missing: [] };
  const missing = new Set<string>();
  const identityPolicies = principal.policies.map((p, i) => {
    if (!/kms:EncryptionContext:/i.test(p.text))
      return principal.identityPolicies[i] as { name: string; policy: unknown };
    const policy = decideEncryptionContext(p.parsed, context, missing);
    return { name: String(i), policy: createValidatedPolicy(policy, validateIdentityPolicy) };
  });
  return { principal: { ...principal, identityPolicies }, missing: [...missing] };
}

/**
 * A policy document with its `kms:EncryptionContext:<key>` conditions decided for `context` (a statement whose
 * condition fails keeps one that cannot hold); the keys it asked for but `context` lacks are added to `missing`.
 * Identity policies and key policies alike.
 */
export function decideEncryptionContext(
  parsed: { Statement?: unknown },
  context: Record<string, string | string[]>,
  missing: Set<string> = new Set(),
): Record<string, unknown> {
  const lowerContext = new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), asList(v)]));
  const statements = (Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement]) as Record<
    string,
    unknown
  >[];
  const rewritten = statements.map((s) => {
    const condition = s.Condition as Record<string, Record<string, unknown>> | undefined;
    if (!condition) return s;
    const kept: Record<string, Record<string, unknown>> = {};
    let holds = true;
    for (const [operator, entries] of Object.entries(condition)) {
      for (const [key, expected] of Object.entries(entries)) {
        if (!KEY.test(key)) {
          kept[operator] = { ...kept[operator], [key]: expected };
          continue;
        }
        const result = conditionHolds(operator, asList(expected), lowerContext.get(key.toLowerCase()));
        if (result === "missing") missing.add(key);
        if (result !== true) holds = false;
      }
    }
    const rest = holds ? kept : { ...kept, ...NEVER };
    return Object.keys(rest).length > 0 ? { ...s, Condition: rest } : { ...s, Condition: undefined };
  });
  return { ...parsed, Statement: rewritten.map((s) => JSON.parse(JSON.stringify(s))) };
}
