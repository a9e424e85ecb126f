import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectPlannedInput, selectTaskDefinitions } from "../../../../src/actions/iam-simulate-preflight/plan/detect";
import { terraformBlocks } from "../../../../src/actions/iam-simulate-preflight/plan/source-lines";
import { PlanFormatError, parseTerraformPlan } from "../../../../src/actions/iam-simulate-preflight/plan/terraform";
import { configAddress } from "../../../../src/actions/iam-simulate-preflight/plan/terraform-values";
import type { ParsedPlan } from "../../../../src/actions/iam-simulate-preflight/plan/types";
import { InputError } from "../../../../src/lib/errors";

const scope = { account: "123456789012", region: "us-west-2", partition: "aws" };
const fixtures = join(__dirname, "../../../fixtures/terraform");
const planOf = (name: string) => JSON.parse(readFileSync(join(fixtures, name, "plan.json"), "utf8"));
const parse = (name: string) => parseTerraformPlan(planOf(name), scope);
const role = (p: ParsedPlan, name: string) => p.iam.roles.get(name) ?? expect.fail(`no role ${name}`);
const secretsOf = (p: ParsedPlan, i = 0) =>
  (p.taskDefinitions[i]?.doc?.containerDefinitions ?? []).flatMap((c) => (c.secrets ?? []).map((s) => s.valueFrom));
const API_KEY = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/api-key-GhIjKl";

describe("Terraform plan JSON (fixtures from terraform 1.11.4 + AWS provider 5.100.0)", () => {
  it("is detected from the content; a task definition JSON is not", () => {
    const text = readFileSync(join(fixtures, "incident/plan.json"), "utf8");
    expect(detectPlannedInput(text, "plan.json")?.format).toBe("terraform-plan");
    expect(detectPlannedInput(JSON.stringify({ family: "x", containerDefinitions: [] }), "td.json")).toBeUndefined();
  });

  it("incident: the replaced task definition carries the new secret, the unchanged policy is not a planned change", () => {
    const p = parse("incident");
    expect(p.taskDefinitions.map((t) => [t.address, t.change])).toEqual([["aws_ecs_task_definition.app", "replace"]]);
    expect(secretsOf(p)).toContain(API_KEY);
    expect(p.taskDefinitions[0]?.doc?.executionRoleArn).toBe("arn:aws:iam::123456789012:role/papyrus-task-execution");
    const exec = role(p, "papyrus-task-execution");
    expect(exec.changed).toBe(false);
    expect(exec.inline.size).toBe(0);
  });

  it("policy-added: the inline policy's new document has the API key statement", () => {
    const exec = role(parse("policy-added"), "papyrus-task-execution");
    expect(exec.changed).toBe(true);
    const doc = JSON.parse(exec.inline.get("read-secrets")?.document ?? "{}");
    expect(doc.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(["ReadDbSecret", "ReadApiKey"]);
  });

  it("statement-deleted: the untouched task definition is checked because its role's policy changes", () => {
    const p = parse("statement-deleted");
    expect(p.taskDefinitions.map((t) => [t.address, t.change])).toEqual([["aws_ecs_task_definition.app", "unchanged"]]);
    const doc = JSON.parse(role(p, "papyrus-task-execution").inline.get("read-secrets")?.document ?? "{}");
    expect(JSON.stringify(doc)).not.toContain("api-key");
  });

  it("role-created: unknown role ARN and policy ARN become the placeholders the attachment and task definition share", () => {
    const p = parse("role-created");
    const exec = role(p, "papyrus-worker-execution");
    expect(exec.created).toBe(true);
    expect(p.taskDefinitions[0]?.doc?.executionRoleArn).toBe(exec.arn);
    const policyArn = "arn:aws:iam::123456789012:policy/papyrus-worker-secrets";
    expect(exec.attached.get(policyArn)).toBe(true);
    expect(p.iam.managedPolicies.get(policyArn)?.document).toContain("papyrus/db-*");
    expect(p.placeholders.get("aws_iam_role.exec")).toBe(exec.arn);
  });

  it("no-task-definition: a clear error naming the input", () => {
    const p = parse("no-task-definition");
    expect(() => selectTaskDefinitions(p, undefined, "plan.json")).toThrow(InputError);
    expect(() => selectTaskDefinitions(p, undefined, "plan.json")).toThrow(
      /Input 'task-definition': plan.json is a Terraform plan without any aws_ecs_task_definition/,
    );
  });

  it("refuses another plan format version and an errored plan", () => {
    expect(() => parseTerraformPlan({ ...planOf("incident"), format_version: "2.0" }, scope)).toThrow(PlanFormatError);
    expect(() => parseTerraformPlan({ ...planOf("incident"), errored: true }, scope)).toThrow(/errored/);
  });

  it("refuses container_definitions whose fields have types ECS refuses, naming the address and the field, not the value", () => {
    const edited = (edit: (containers: Record<string, unknown>[]) => void) => {
      const plan = planOf("incident");
      const rc = plan.resource_changes.find((r: { type: string }) => r.type === "aws_ecs_task_definition");
      const containers = JSON.parse(rc.change.after.container_definitions);
      edit(containers);
      rc.change.after.container_definitions = JSON.stringify(containers);
      return () => parseTerraformPlan(plan, scope);
    };
    expect(
      edited((c) => {
        (c[0] as Record<string, unknown>).secrets = "@octo-org/security-team [approved](https://evil.example)";
      }),
    ).toThrow(
      new PlanFormatError(
        "aws_ecs_task_definition.app: container_definitions[0].secrets is a string; ECS expects a list there.",
      ),
    );
    expect(
      edited((c) => {
        ((c[0] as { secrets: Record<string, unknown>[] }).secrets[1] as Record<string, unknown>).valueFrom = 42;
      }),
    ).toThrow(/container_definitions\[0\]\.secrets\[1\]\.valueFrom is a number; ECS expects a string there\.$/);
    const plan = planOf("incident");
    const rc = plan.resource_changes.find((r: { type: string }) => r.type === "aws_ecs_task_definition");
    rc.change.after.container_definitions =
      '[{"name": "app", "environment": [{"name": "TOKEN", "value": "hunter2"}],}]';
    expect(() => parseTerraformPlan(plan, scope)).toThrow(
      new PlanFormatError("aws_ecs_task_definition.app: container_definitions is not JSON."),
    );
  });

  it("task-definition-address selects one, and an unknown address lists the ones there are", () => {
    const p = parse("incident");
    expect(selectTaskDefinitions(p, "aws_ecs_task_definition.app", "plan.json")).toHaveLength(1);
    expect(() => selectTaskDefinitions(p, "aws_ecs_task_definition.nope", "plan.json")).toThrow(
      /Input 'task-definition-address': 'aws_ecs_task_definition.nope' is not a task definition in plan.json. It has: aws_ecs_task_definition.app/,
    );
  });

  it("configAddress drops instance keys of resources and modules", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), { maxLength: 3 }),
        fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
        fc.array(
          fc.oneof(
            fc.nat().map(String),
            fc.string().map((s) => JSON.stringify(s)),
          ),
          { minLength: 4, maxLength: 4 },
        ),
        (modules, name, keys) => {
          const bare = [...modules.map((m) => `module.${m}`), `aws_ecs_task_definition.${name}`].join(".");
          const keyed = [
            ...modules.map((m, i) => `module.${m}[${keys[i % 4]}]`),
            `aws_ecs_task_definition.${name}[${keys[3]}]`,
          ].join(".");
          expect(configAddress(keyed)).toBe(bare);
        },
      ),
    );
  });
});

describe("Terraform plan JSON: policy documents, created resources, modules", () => {
  it("policy-document: the managed policy's new default version, rendered by the data source at plan time", () => {
    const p = parse("policy-document");
    const arn = "arn:aws:iam::123456789012:policy/papyrus-task-secrets";
    const doc = JSON.parse(p.iam.managedPolicies.get(arn)?.document ?? "{}");
    expect(doc.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(["ReadDbSecret", "ReadApiKey"]);
    // The attachment is unchanged, but the policy it attaches changes: so does the role.
    expect(role(p, "papyrus-task-execution").changed).toBe(true);
    expect(p.taskDefinitions[0]?.change).toBe("replace");
  });

  it("new-secret: container_definitions unknown until apply is rebuilt from its references, with the placeholder the deferred data source renders too", () => {
    const p = parse("new-secret");
    const [td] = p.taskDefinitions;
    const placeholder = p.placeholders.get("aws_secretsmanager_secret.api_key");
    expect(placeholder).toBe("arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/api-key-v2-PLANND");
    expect(td?.unknown).toBeUndefined();
    expect(secretsOf(p)).toEqual([placeholder]);
    expect(td?.doc?.executionRoleArn).toBe("arn:aws:iam::123456789012:role/papyrus-task-execution");
    expect(td?.doc?.containerDefinitions?.[0]?.secrets?.[0]?.name).toMatch(
      /^aws_secretsmanager_secret.api_key.arn \(a placeholder ARN: this plan creates aws_secretsmanager_secret.api_key;/,
    );
    expect(td?.fromReferences?.references).toEqual(["aws_secretsmanager_secret.api_key.arn"]);
    expect(td?.fromReferences?.reason).toMatch(
      /cannot see the rest of the definitions.*task-definition: papyrus-task:<revision>/,
    );
    const exec = role(p, "papyrus-task-execution");
    expect(exec.created).toBe(true);
    expect(JSON.parse(exec.inline.get("read-secrets")?.document ?? "{}").Statement[0].Resource).toBe(placeholder);
  });

  it("new-secret-kms: the planned secret's KMS key is the key's placeholder ARN", () => {
    const p = parse("new-secret-kms");
    const secret = p.placeholders.get("aws_secretsmanager_secret.api_key") as string;
    const key = p.placeholders.get("aws_kms_key.secrets");
    expect(key).toMatch(/^arn:aws:kms:us-west-2:123456789012:key\/00000000-0000-4000-8000-[0-9a-f]{12}$/);
    expect(p.plannedSecretKeys?.get(secret)).toBe(key);
    expect(secretsOf(p)).toEqual([secret]);
  });

  it("definitions-unknown: an unknown reference that is not a secret (an ECR repository URL) leaves the task definition uncheckable, naming it", () => {
    const [td] = parse("definitions-unknown").taskDefinitions;
    expect(td?.doc).toBeUndefined();
    expect(td?.unknown?.reason).toMatch(
      /container_definitions is unknown until apply: it is computed from aws_ecr_repository.app.repository_url\. .*task-definition: papyrus-task:<revision>/,
    );
  });
});

describe("Terraform plan JSON: modules", () => {
  it("checks module.app (replaced) and not module.worker (unchanged, roles untouched); the address selects", () => {
    const p = parse("module");
    expect(p.allTaskDefinitionAddresses).toEqual([
      "module.app.aws_ecs_task_definition.this",
      "module.worker.aws_ecs_task_definition.this",
    ]);
    expect(p.taskDefinitions.map((t) => t.address)).toEqual(["module.app.aws_ecs_task_definition.this"]);
    expect(p.taskDefinitions[0]?.doc?.executionRoleArn).toBe("arn:aws:iam::123456789012:role/papyrus-app-execution");
    expect(secretsOf(p)).toContain(API_KEY);
    expect(() => selectTaskDefinitions(p, "module.worker.aws_ecs_task_definition.this", "plan.json")).toThrow(
      /neither changed by the Terraform plan nor uses a role whose policies it changes/,
    );
  });
});

describe("Terraform plan JSON: jsonencode policies and definitions over resources the plan creates, from the .tf source", () => {
  const NAME = "jsonencode-new-secret";
  const API = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/api-key-v4-PLANND";
  const TOKEN = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/token-v4-PLANND";
  /** The case's .tf files in a temporary directory, edited by `edit`. */
  const source = (edit: (tf: string) => string = (tf) => tf) => {
    const dir = mkdtempSync(join(tmpdir(), "tf-src-"));
    cpSync(join(fixtures, NAME, "pr"), dir, { recursive: true });
    const tf = join(dir, "main.tf");
    writeFileSync(tf, edit(readFileSync(tf, "utf8")));
    return terraformBlocks(dir);
  };
  const inline = (p: ParsedPlan, roleName: string, policy: string) => role(p, roleName).inline.get(policy);
  /** The plan parsed with the app policy's first `Resource = …` written otherwise in the .tf file. */
  const withAppResource = (expression: string) =>
    parseTerraformPlan(
      planOf(NAME),
      scope,
      source((tf) => tf.replace("Resource = aws_secretsmanager_secret.api_key.arn", `Resource = ${expression}`)),
    );

  it("evaluates aws_iam_role_policy, inline_policy and aws_iam_policy, and the container definitions, with the same placeholder per secret", () => {
    const p = parseTerraformPlan(planOf(NAME), scope, source());
    expect(p.unresolved).toEqual([]);
    expect(JSON.parse(inline(p, "papyrus-app-execution", "read-secrets")?.document ?? "{}")).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "ReadApiKey", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: API },
        {
          Sid: "ReadDbSecret",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          // data.aws_caller_identity.current.account_id, read at plan time (prior_state).
          Resource: ["arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-*"],
        },
      ],
    });
    expect(
      JSON.parse(inline(p, "papyrus-worker-execution", "read-token")?.document ?? "{}").Statement[0].Resource,
    ).toEqual([TOKEN]);
    const cron = p.iam.managedPolicies.get("arn:aws:iam::123456789012:policy/papyrus-cron-secrets");
    expect(JSON.parse(cron?.document ?? "{}").Statement[0].Resource).toBe(API);
    const app = p.taskDefinitions.find((t) => t.address === "aws_ecs_task_definition.app");
    expect(app?.fromReferences).toBeUndefined();
    expect(app?.doc?.containerDefinitions).toEqual([
      {
        name: "app",
        image: "public.ecr.aws/docker/library/python:3.12-slim",
        essential: true,
        portMappings: [{ containerPort: 5000, protocol: "tcp" }],
        secrets: [
          { name: "API_KEY", valueFrom: API },
          { name: "TOKEN", valueFrom: TOKEN },
          { name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf" },
        ],
      },
    ]);
    expect(app?.evaluatedFrom).toMatch(/^container_definitions is unknown until apply .*evaluated it from main.tf:58/);
    expect(p.placeholders.get("aws_secretsmanager_secret.api_key")).toBe(API);
    expect(p.placeholders.get("aws_secretsmanager_secret.token")).toBe(TOKEN);
    expect(Object.fromEntries(p.policyForms ?? [])).toEqual({
      "aws_iam_policy.cron": "jsonencode",
      "aws_iam_role.worker": "jsonencode",
      "aws_iam_role_policy.app": "jsonencode",
    });
  });

  it("without the .tf files they stay unknown, naming the references", () => {
    const p = parseTerraformPlan(planOf(NAME), scope);
    expect(inline(p, "papyrus-app-execution", "read-secrets")?.unknown?.reason).toMatch(
      /^unknown until apply: it is computed from aws_secretsmanager_secret.api_key.arn, data.aws_caller_identity.current.account_id/,
    );
    expect(p.taskDefinitions.every((t) => t.fromReferences !== undefined)).toBe(true);
  });

  it("what the reader does not evaluate stays unknown, naming the references and the construct", () => {
    const p = withAppResource('true ? aws_secretsmanager_secret.api_key.arn : ""');
    expect(inline(p, "papyrus-app-execution", "read-secrets")?.unknown).toEqual({
      at: "aws_iam_role_policy.app.policy",
      reason:
        "unknown until apply: it is computed from aws_secretsmanager_secret.api_key.arn, data.aws_caller_identity.current.account_id; the preflight could not evaluate it from the .tf source (main.tf:32 uses a conditional expression (line 39), which the preflight does not evaluate)",
    });
    // The other policies are unaffected.
    expect(inline(p, "papyrus-worker-execution", "read-token")?.document).toContain(TOKEN);
  });

  it("a .tf block whose references are not the plan's (a stale or unrelated file) is not used", () => {
    const p = withAppResource("aws_secretsmanager_secret.token.arn");
    expect(inline(p, "papyrus-app-execution", "read-secrets")?.unknown?.reason).toMatch(
      /could not evaluate it from the .tf source \(no resource block for it in the workspace's .tf files has the references the plan lists \(aws_secretsmanager_secret.api_key.arn, data.aws_caller_identity.current.account_id\)\)$/,
    );
  });

  it("a local value is evaluated from the locals next to the block; a missing or sensitive value is not", () => {
    const withLocal = (tf: string) =>
      tf
        .replace("locals {", 'locals {\n  token_arn = "${aws_secretsmanager_secret.token.arn}"')
        .replace("Resource = [aws_secretsmanager_secret.token.arn]", "Resource = [local.token_arn]");
    const plan = planOf(NAME);
    // The plan as Terraform would list the references of `[local.token_arn]`.
    const worker = plan.configuration.root_module.resources.find(
      (r: { address: string }) => r.address === "aws_iam_role.worker",
    );
    worker.expressions.inline_policy[0].policy.references = ["local.token_arn"];
    const p = parseTerraformPlan(plan, scope, source(withLocal));
    expect(
      JSON.parse(inline(p, "papyrus-worker-execution", "read-token")?.document ?? "{}").Statement[0].Resource,
    ).toEqual([TOKEN]);
    const missing = parseTerraformPlan(
      plan,
      scope,
      source((tf) => withLocal(tf).replace("token_arn =", "other =")),
    );
    expect(inline(missing, "papyrus-worker-execution", "read-token")?.unknown?.reason).toContain(
      "local.token_arn is not in the .tf files next to main.tf",
    );
    // A sensitive value is never read into a document (it could reach the report).
    const sensitive = planOf(NAME);
    sensitive.prior_state.values.root_module.resources[0].sensitive_values = { account_id: true };
    const hidden = parseTerraformPlan(sensitive, scope, source());
    expect(inline(hidden, "papyrus-app-execution", "read-secrets")?.unknown?.reason).toContain(
      "data.aws_caller_identity.current.account_id is sensitive: the preflight does not read it",
    );
  });
});

describe("Terraform plan JSON: key policies, key states and secret resource policies the plan sets", () => {
  /** The case's .tf blocks, to evaluate what the plan leaves unknown. */
  const withSource = (name: string) =>
    parseTerraformPlan(planOf(name), scope, terraformBlocks(join(fixtures, name, "pr")));
  const keyOf = (p: ParsedPlan) => p.placeholders.get("aws_kms_key.secrets") ?? expect.fail("no key placeholder");

  it("key-policy: aws_kms_key's policy is the key's planned policy, as the plan knows it", () => {
    const p = parse("key-policy");
    const planned = p.plannedKeys?.get(keyOf(p));
    expect(planned).toMatchObject({ address: "aws_kms_key.secrets", enabled: { value: true } });
    expect(planned?.defaultPolicy).toBeUndefined();
    expect(JSON.parse(planned?.policy ?? "{}").Statement).toEqual([
      {
        Sid: "KeyAdministration",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:role/papyrus-key-admin" },
        Action: "kms:*",
        Resource: "*",
      },
    ]);
    // The secret it creates has no resource policy.
    const secret = p.placeholders.get("aws_secretsmanager_secret.api_key") as string;
    expect(p.plannedSecrets?.get(secret)).toEqual({ address: "aws_secretsmanager_secret.api_key", policy: null });
  });

  it("new-secret-kms: a key created without a policy gets KMS's default key policy", () => {
    const p = parse("new-secret-kms");
    const planned = p.plannedKeys?.get(keyOf(p));
    expect(planned).toMatchObject({ defaultPolicy: true });
    expect(JSON.parse(planned?.policy ?? "{}").Statement).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
        Action: "kms:*",
      }),
    ]);
  });

  it("key-policy-grants: aws_kms_key_policy replaces the default policy; its policy, unknown until apply (the role's ARN), is evaluated from the .tf source with the role's placeholder", () => {
    const p = withSource("key-policy-grants");
    expect(p.unresolved).toEqual([]);
    const planned = p.plannedKeys?.get(keyOf(p));
    expect(planned?.address).toBe("aws_kms_key_policy.secrets");
    expect(planned?.defaultPolicy).toBeUndefined();
    const statements = JSON.parse(planned?.policy ?? "{}").Statement;
    expect(statements[1]).toMatchObject({
      Sid: "AllowDecryptThroughSecretsManager",
      Principal: { AWS: "arn:aws:iam::123456789012:role/papyrus-task-execution" },
    });
    expect(p.evaluatedFrom?.get("aws_kms_key_policy.secrets")).toMatch(/unknown until apply.*aws_iam_role\.exec\.arn/);
    // Without the .tf source it stays unknown, and is said to be.
    const blind = parse("key-policy-grants");
    expect(blind.plannedKeys?.get(keyOf(blind))?.policy).toBeUndefined();
    expect(blind.unresolved.map((u) => u.at)).toContain("aws_kms_key_policy.secrets.policy");
  });

  it("secret-policy-deny: aws_secretsmanager_secret_policy sets the deployed secret's resource policy", () => {
    const p = parse("secret-policy-deny");
    const db = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf";
    const planned = p.plannedSecrets?.get(db);
    expect(planned?.address).toBe("aws_secretsmanager_secret_policy.db");
    expect(JSON.parse(planned?.policy ?? "{}").Statement[0]).toMatchObject({ Sid: "OnlyTheApi", Effect: "Deny" });
  });

  it("key-disabled: is_enabled = false leaves the created key disabled", () => {
    const p = parse("key-disabled");
    expect(p.plannedKeys?.get(keyOf(p))).toMatchObject({
      defaultPolicy: true,
      enabled: { value: false, address: "aws_kms_key.secrets" },
    });
  });

  it("key-alias: an aws_kms_alias the plan creates names the planned key, by its name and by its ARN; the secrets' keys are the alias name and the alias's placeholder ARN", () => {
    const p = parse("key-alias");
    const key = keyOf(p);
    const aliasArn = "arn:aws:kms:us-west-2:123456789012:alias/papyrus-secrets";
    expect(p.plannedAliases).toEqual(
      new Map([
        ["alias/papyrus-secrets", key],
        [aliasArn, key],
      ]),
    );
    const secretKey = (address: string) => p.plannedSecretKeys?.get(p.placeholders.get(address) as string);
    expect(secretKey("aws_secretsmanager_secret.api_key")).toBe("alias/papyrus-secrets");
    expect(secretKey("aws_secretsmanager_secret.token")).toBe(aliasArn);
  });

  it("whatever a plan holds where a key or secret policy goes, parsing never throws and keeps only JSON policy documents (property)", () => {
    const anything = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue(),
      fc.constantFrom("null", "[]", "{", '"text"', '{"Statement":"x"}'),
    );
    fc.assert(
      fc.property(anything, anything, (keyPolicy, secretPolicy) => {
        const plan = planOf("key-policy");
        for (const rc of plan.resource_changes) {
          if (rc.type === "aws_kms_key") rc.change.after.policy = keyPolicy;
          if (rc.type === "aws_secretsmanager_secret") {
            rc.change.after.policy = secretPolicy;
            rc.change.after_unknown.policy = false;
          }
        }
        const p = parseTerraformPlan(plan, scope);
        for (const entry of [...(p.plannedKeys?.values() ?? []), ...(p.plannedSecrets?.values() ?? [])]) {
          if (typeof entry.policy === "string") {
            const parsed = JSON.parse(entry.policy);
            expect(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)).toBe(true);
          } else if (entry.policy === undefined) expect(entry.unknown?.at).toMatch(/\.policy$/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("secret-key-changed: a deployed secret's new kms_key_id is planned by its deployed ARN; an unchanged one is not", () => {
    const p = parse("secret-key-changed");
    expect(p.plannedSecretKeys).toEqual(
      new Map([
        [
          "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/api-key-GhIjKl",
          p.placeholders.get("aws_kms_key.secrets_v2"),
        ],
      ]),
    );
    expect(parse("key-policy-added").plannedSecretKeys?.size).toBe(0);
  });

  it("secret-destroyed: a secret the plan destroys is planned as deleted; an unchanged task definition that names it is checked, one that does not is not", () => {
    const DEPLOYED = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/api-key-GhIjKl";
    expect(parse("secret-destroyed").plannedSecrets?.get(DEPLOYED)).toEqual({
      address: "aws_secretsmanager_secret.api_key",
      deleted: true,
    });
    // The same plan with the task definition and the role's policy left as they are (edited here: the real plan of
    // this case replaces the one and updates the other).
    const unchanged = (keepDelete: boolean) => {
      const plan = planOf("secret-destroyed");
      for (const rc of plan.resource_changes) {
        // The role's policy too (this case's update of it rewrites the same document).
        if (rc.type === "aws_ecs_task_definition" || rc.type === "aws_iam_role_policy") rc.change.actions = ["no-op"];
      }
      if (!keepDelete)
        plan.resource_changes = plan.resource_changes.filter(
          (rc: { type: string }) => rc.type !== "aws_secretsmanager_secret",
        );
      return parseTerraformPlan(plan, scope).taskDefinitions.map((t) => [t.address, t.change]);
    };
    expect(unchanged(true)).toEqual([["aws_ecs_task_definition.app", "unchanged"]]);
    expect(unchanged(false)).toEqual([]);
  });

  it("key-destroyed: a key the plan destroys is planned as deleted, by its deployed ARN", () => {
    const p = parse("key-destroyed");
    expect(p.plannedKeys?.get("arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")).toEqual({
      address: "aws_kms_key.secrets",
      deleted: true,
    });
  });

  it("unchanged keys and policies are not planned: the deployed ones are read from AWS", () => {
    for (const name of ["incident", "policy-added", "role-created"]) {
      const p = parse(name);
      expect(p.plannedKeys?.size ?? 0).toBe(0);
    }
  });
});
