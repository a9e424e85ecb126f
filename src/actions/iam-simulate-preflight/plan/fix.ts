/**
 * The smallest statement that would allow a denied row, in the forms the
 * user edits: policy JSON, an `aws_iam_policy_document` statement block, a
 * `jsonencode` statement, or a CloudFormation YAML fragment. A `kms:Decrypt`
 * row gets the condition keys of the request ECS makes through the service
 * (kms.ts): `kms:ViaService` and the encryption context (`SecretARN` /
 * `PARAMETER_ARN`), so the key can be used only to read that secret through
 * that service, as AWS recommends
 * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service).
 */
import { stringify } from "yaml";
import type { ContextValue } from "../checks";

/** The context keys a fix conditions on; the others (kms:CallerAccount) follow from the role's own account. */
const CONDITION_KEYS = /^kms:(ViaService|EncryptionContext:.+)$/;

type Condition = { StringEquals: Record<string, string | string[]> };

export interface Fix {
  statement: { Sid: string; Effect: "Allow"; Action: string; Resource: string; Condition?: Condition };
  /** The resource (Terraform address / logical ID) that declares the role's policy, to edit. */
  edit?: string;
  policyJson: string;
  terraform?: string;
  cloudformation?: string;
}

const sidOf = (action: string) =>
  `Allow${action.replace(/^[a-z0-9-]+:/, "").replace(/[^A-Za-z0-9]/g, "")}${Math.abs(hash(action)).toString(36).slice(0, 4)}`;

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (Math.imul(h, 31) + (c.codePointAt(0) ?? 0)) | 0;
  return h;
}

export function proposeFix(
  action: string,
  resource: string,
  format: "terraform-plan" | "cloudformation",
  edit?: string,
  context: Record<string, ContextValue> = {},
): Fix {
  const conditions = Object.entries(context)
    .filter(([key, value]) => CONDITION_KEYS.test(key) && value.type === "string" && value.values.length > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  const statement: Fix["statement"] = {
    Sid: sidOf(action),
    Effect: "Allow" as const,
    Action: action,
    Resource: resource,
    ...(conditions.length > 0
      ? {
          Condition: {
            StringEquals: Object.fromEntries(
              conditions.map(([key, v]) => [key, v.values.length === 1 ? (v.values[0] as string) : v.values]),
            ),
          },
        }
      : {}),
  };
  const policyJson = JSON.stringify({ Version: "2012-10-17", Statement: [statement] }, null, 2);
  const fix: Fix = { statement, policyJson, ...(edit ? { edit } : {}) };
  if (format === "terraform-plan") {
    const hclList = (v: ContextValue) => `[${v.values.map((x) => JSON.stringify(x)).join(", ")}]`;
    const hclCondition = conditions.length
      ? `, Condition = { StringEquals = { ${conditions.map(([k, v]) => `${JSON.stringify(k)} = ${v.values.length === 1 ? JSON.stringify(v.values[0]) : hclList(v)}`).join(", ")} } }`
      : "";
    fix.terraform = [
      "statement {",
      `  sid       = ${JSON.stringify(statement.Sid)}`,
      `  actions   = [${JSON.stringify(action)}]`,
      `  resources = [${JSON.stringify(resource)}]`,
      ...conditions.flatMap(([key, v]) => [
        "  condition {",
        '    test     = "StringEquals"',
        `    variable = ${JSON.stringify(key)}`,
        `    values   = ${hclList(v)}`,
        "  }",
      ]),
      "}",
      "",
      "# or, in a jsonencode({ Statement = [...] }) policy:",
      `{ Sid = ${JSON.stringify(statement.Sid)}, Effect = "Allow", Action = ${JSON.stringify(action)}, Resource = ${JSON.stringify(resource)}${hclCondition} }`,
    ].join("\n");
  } else {
    fix.cloudformation = stringify([statement]).trimEnd();
  }
  return fix;
}
