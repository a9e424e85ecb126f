import { describe, expect, it } from "vitest";
import {
  evaluateHcl,
  HclUnknown,
  HclUnsupported,
  type HclValue,
  jsonencode,
  parseHclExpression,
  parseHclFile,
  referencesIn,
} from "../../../../src/actions/iam-simulate-preflight/plan/hcl";

const refs: Record<string, HclValue> = {
  "aws_secretsmanager_secret.x.arn": "arn:aws:secretsmanager:us-west-2:1:secret:x-PLANND",
  "var.port": 5000,
};
const resolve = (root: string, steps: (string | { index: string | number })[]) => {
  const key = [root, ...steps.map((s) => (typeof s === "string" ? s : `[${s.index}]`))].join(".");
  if (key in refs) return refs[key] as HclValue;
  throw new HclUnknown(`${key} is unknown`);
};
const evaluate = (text: string) => evaluateHcl(parseHclExpression(text), resolve);

describe("the HCL reader (policies and container definitions)", () => {
  it("evaluates jsonencode of objects, tuples, templates, numbers, bools and references", () => {
    const v = evaluate(`jsonencode({
      Version = "2012-10-17" # a comment
      Statement = [{
        Effect   = "Allow", // another
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = aws_secretsmanager_secret.x.arn
        "Condition" : { Bool = { "aws:SecureTransport" = true } }
      }, { Effect = "Allow", Action = "x:Y", Resource = "\${aws_secretsmanager_secret.x.arn}*", Port = var.port, N = -1.5e1 }]
      /* multi
         line */
    })`);
    expect(JSON.parse(v as string)).toEqual({
      Statement: [
        {
          Action: ["secretsmanager:GetSecretValue"],
          Condition: { Bool: { "aws:SecureTransport": true } },
          Effect: "Allow",
          Resource: "arn:aws:secretsmanager:us-west-2:1:secret:x-PLANND",
        },
        {
          Action: "x:Y",
          Effect: "Allow",
          N: -15,
          Port: 5000,
          Resource: "arn:aws:secretsmanager:us-west-2:1:secret:x-PLANND*",
        },
      ],
      Version: "2012-10-17",
    });
  });

  it("keeps a lone interpolation's type, joins others as strings, and reads escapes and literal $${", () => {
    expect(evaluate('"${var.port}"')).toBe(5000);
    expect(evaluate('"p${var.port}"')).toBe("p5000");
    expect(evaluate('"a\\"b\\\\c\\u00e9 $${x} %%{y}"')).toBe('a"b\\cé ${x} %{y}');
    expect(evaluate("null")).toBeNull();
  });

  it("reads heredocs, the indented form without the common indentation", () => {
    expect(evaluate('<<-EOT\n    {"Resource": "${aws_secretsmanager_secret.x.arn}"}\n      x\n    EOT')).toBe(
      '{"Resource": "arn:aws:secretsmanager:us-west-2:1:secret:x-PLANND"}\n  x\n',
    );
    expect(evaluate("<<EOT\n  a\nEOT")).toBe("  a\n");
  });

  it("refuses what it does not evaluate, naming it", () => {
    for (const [text, what] of [
      ["var.a ? var.b : var.c", /a conditional expression/],
      ['"a" + "b"', /the operator '\+'/],
      ["[for s in var.l : s]", /a for expression/],
      ["aws_x.y[*].arn", /a splat expression/],
      ['"%{ if true }x%{ endif }"', /a template directive/],
      ["merge(var.a, var.b)", /the function merge\(\)/],
      ["provider::aws::arn_parse(var.a)", /the provider function/],
    ] as const) {
      expect(() => evaluate(text), text).toThrow(HclUnsupported);
      expect(() => evaluate(text), text).toThrow(what);
    }
  });

  it("an unknown reference stays unknown (never guessed)", () => {
    expect(() => evaluate("jsonencode({ Resource = aws_kms_key.k.arn })")).toThrow(HclUnknown);
  });

  it("lists the references of an expression with their index steps", () => {
    const e = parseHclExpression('jsonencode([aws_x.y[0].arn, "${data.d.e["k"].id}", var.v.a, aws_x.z.0.id])');
    expect(referencesIn(e).map(({ root, steps }) => ({ root, steps }))).toEqual([
      { root: "aws_x", steps: ["y", { index: 0 }, "arn"] },
      { root: "data", steps: ["d", "e", { index: "k" }, "id"] },
      { root: "var", steps: ["v", "a"] },
      { root: "aws_x", steps: ["z", { index: 0 }, "id"] },
    ]);
  });

  it("reads a file's blocks, nested blocks and attributes, skipping what it does not evaluate", () => {
    const blocks = parseHclFile(`terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}
resource "aws_iam_role" "r" {
  for_each = { for k, v in var.m : k => v if v != "}" }
  assume_role_policy = <<EOF
{"a": "}"}
EOF
  inline_policy {
    name   = "p"
    policy = jsonencode({ Statement = [] })
  }
}
`);
    expect(blocks.map((b) => [b.type, ...b.labels])).toEqual([["terraform"], ["resource", "aws_iam_role", "r"]]);
    const role = blocks[1];
    expect([...(role?.attributes.keys() ?? [])]).toEqual(["for_each", "assume_role_policy"]);
    expect(role?.blocks[0]?.type).toBe("inline_policy");
    expect(role?.blocks[0]?.attributes.get("policy")).toMatchObject({ line: 13 });
  });

  it("jsonencode orders object attributes lexically, as Terraform does", () => {
    expect(jsonencode({ b: 1, a: [{ d: true, c: null }] })).toBe('{"a":[{"c":null,"d":true}],"b":1}');
  });
});
