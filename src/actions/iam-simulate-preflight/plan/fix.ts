/**
 * The smallest statement that would allow a denied row, in the forms the
 * user edits: policy JSON, an `aws_iam_policy_document` statement block, a
 * `jsonencode` statement, or a CloudFormation YAML fragment.
 */
import { stringify } from "yaml";

export interface Fix {
  statement: { Sid: string; Effect: "Allow"; Action: string; Resource: string };
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
): Fix {
  const statement = { Sid: sidOf(action), Effect: "Allow" as const, Action: action, Resource: resource };
  const policyJson = JSON.stringify({ Version: "2012-10-17", Statement: [statement] }, null, 2);
  const fix: Fix = { statement, policyJson, ...(edit ? { edit } : {}) };
  if (format === "terraform-plan") {
    fix.terraform = [
      "statement {",
      `  sid       = ${JSON.stringify(statement.Sid)}`,
      `  actions   = [${JSON.stringify(action)}]`,
      `  resources = [${JSON.stringify(resource)}]`,
      "}",
      "",
      "# or, in a jsonencode({ Statement = [...] }) policy:",
      `{ Sid = ${JSON.stringify(statement.Sid)}, Effect = "Allow", Action = ${JSON.stringify(action)}, Resource = ${JSON.stringify(resource)} }`,
    ].join("\n");
  } else {
    fix.cloudformation = stringify([statement]).trimEnd();
  }
  return fix;
}
