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

/**
 * The context keys a fix conditions on; the others follow from the role's own account (kms:CallerAccount) or would
 * break the grant at the next rotation (the secret's version, SecretVersionId) or say nothing of the resource
 * (kms:EncryptionContextKeys).
 */
const CONDITION_KEYS = /^kms:(ViaService|EncryptionContext:(SecretARN|PARAMETER_ARN))$/;

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

/** How the Terraform fix is written: the form of the policy to edit, and references for placeholder ARNs. */
export interface TerraformStyle {
  /** `jsonencode`: the policy is `jsonencode({ Statement = [...] })`; `policy-document`: an `aws_iam_policy_document`. */
  form?: "jsonencode" | "policy-document";
  /** The HCL reference to write for a value (`aws_secretsmanager_secret.x.arn` for its placeholder ARN), if any. */
  reference?: (value: string) => string | undefined;
}

export function proposeFix(
  action: string,
  resource: string,
  format: "terraform-plan" | "cloudformation",
  edit?: string,
  context: Record<string, ContextValue> = {},
  style: TerraformStyle = {},
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
    // A placeholder ARN (a resource this plan creates) is written as the reference to it.
    const hcl = (value: string) => style.reference?.(value) ?? JSON.stringify(value);
    const hclList = (v: ContextValue) => `[${v.values.map(hcl).join(", ")}]`;
    const hclCondition = conditions.length
      ? `, Condition = { StringEquals = { ${conditions.map(([k, v]) => `${JSON.stringify(k)} = ${v.values.length === 1 ? hcl(v.values[0] as string) : hclList(v)}`).join(", ")} } }`
      : "";
    const block = [
      "statement {",
      `  sid       = ${JSON.stringify(statement.Sid)}`,
      `  actions   = [${JSON.stringify(action)}]`,
      `  resources = [${hcl(resource)}]`,
      ...conditions.flatMap(([key, v]) => [
        "  condition {",
        '    test     = "StringEquals"',
        `    variable = ${JSON.stringify(key)}`,
        `    values   = ${hclList(v)}`,
        "  }",
      ]),
      "}",
    ];
    const json = `{ Sid = ${JSON.stringify(statement.Sid)}, Effect = "Allow", Action = ${JSON.stringify(action)}, Resource = ${hcl(resource)}${hclCondition} }`;
    const target = edit ? ` of ${edit}` : "";
    // The form the policy to edit is written in comes first; the other one after it.
    fix.terraform =
      style.form === "jsonencode"
        ? [
            `# add to the Statement list of the jsonencode({ ... }) policy${target}:`,
            json,
            "",
            "# or, in an aws_iam_policy_document data source:",
            ...block,
          ].join("\n")
        : [...block, "", "# or, in a jsonencode({ Statement = [...] }) policy:", json].join("\n");
  } else {
    fix.cloudformation = stringify([statement]).trimEnd();
  }
  return fix;
}
