import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Intrinsics, isUnresolvedString } from "../../../../src/actions/iam-simulate-preflight/plan/cfn-intrinsics";
import {
  parseCloudFormation,
  readTemplate,
  type TemplateText,
} from "../../../../src/actions/iam-simulate-preflight/plan/cloudformation";
import { detectPlannedInput } from "../../../../src/actions/iam-simulate-preflight/plan/detect";

const scope = { account: "123456789012", region: "us-west-2", partition: "aws" };
const fixtures = join(__dirname, "../../../fixtures/cloudformation");
const template = (name: string) => readTemplate(readFileSync(join(fixtures, name), "utf8")) as TemplateText;
const API_KEY = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/api-key-GhIjKl";
const SHARED = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/shared-token-MnOpQr";
const parameters = { Environment: "prd", ApiKeySecretArn: API_KEY };
const exports = new Map([["papyrus-shared-token-arn", SHARED]]);
const secretsOf = (td: { doc?: { containerDefinitions?: { secrets?: { valueFrom?: string }[] }[] } } | undefined) =>
  (td?.doc?.containerDefinitions ?? []).flatMap((c) => (c.secrets ?? []).map((s) => s.valueFrom));

describe("CloudFormation templates", () => {
  it("reads YAML short-form tags and the line of each resource", () => {
    const t = template("service.yaml");
    expect(t.lines.get("TaskDefinition")).toBe(68);
    const td = (t.template.Resources as Record<string, { Properties: Record<string, unknown> }>).TaskDefinition;
    expect(td?.Properties.ExecutionRoleArn).toEqual({ "Fn::GetAtt": ["ExecutionRole", "Arn"] });
    expect(detectPlannedInput(readFileSync(join(fixtures, "service.yaml"), "utf8"), "service.yaml")?.format).toBe(
      "cloudformation",
    );
  });

  it("resolves !Sub, !Ref to an in-template secret and to a parameter, !ImportValue, !If, !FindInMap", () => {
    const p = parseCloudFormation(template("service.yaml").template, { scope, parameters, exports });
    expect(p.unresolved).toEqual([]);
    const [td] = p.taskDefinitions;
    const db = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/prd/db-PLANND";
    expect(secretsOf(td)).toEqual([
      db,
      API_KEY,
      SHARED,
      "arn:aws:ssm:us-west-2:123456789012:parameter/papyrus/prd/flags",
    ]);
    expect(td?.doc?.family).toBe("papyrus-prd");
    // The in-template secret is the same placeholder in the task definition and in the role's policy.
    const role = p.iam.roles.get("papyrus-prd-execution");
    expect(td?.doc?.executionRoleArn).toBe(role?.arn);
    expect(role?.inline.get("read-db-secret")?.document).toContain(db);
    expect(role?.inline.get("read-api-key")?.address).toBe("ApiKeyPolicy");
    expect([...(role?.attached.keys() ?? [])]).toEqual([
      "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    ]);
    expect(p.placeholders.get("DbSecret")).toBe(db);
  });

  it("log options keep scalars as the strings CloudFormation passes (awslogs-create-group: true), not objects", () => {
    const text = `Resources:
  TaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: papyrus-task
      ContainerDefinitions:
        - Name: web
          LogConfiguration:
            LogDriver: awslogs
            Options:
              awslogs-group: /ecs/papyrus
              awslogs-create-group: true
              awslogs-region: us-west-2
              max-buffer-size: 25
              weird: { Foo: Bar }
`;
    const p = parseCloudFormation((readTemplate(text) as TemplateText).template, { scope, parameters: {} });
    expect(p.taskDefinitions[0]?.doc?.containerDefinitions?.[0]?.logConfiguration?.options).toEqual({
      "awslogs-group": "/ecs/papyrus",
      "awslogs-create-group": "true",
      "awslogs-region": "us-west-2",
      "max-buffer-size": "25",
    });
  });

  it("reports what it cannot resolve instead of guessing: a missing parameter, exports not read", () => {
    const p = parseCloudFormation(template("service.yaml").template, { scope, parameters: { Environment: "stg" } });
    const reasons = p.unresolved.map((u) => u.reason);
    expect(reasons).toContain("parameter ApiKeySecretArn has no value: give it in template-parameters");
    expect(reasons).toContain("Fn::ImportValue papyrus-shared-token-arn: exports were not read");
    const values = secretsOf(p.taskDefinitions[0]);
    expect(values.filter(isUnresolvedString)).toHaveLength(2);
    // !If on the stg branch: !Select of !Split.
    expect(values).toContain("papyrus-stg-flags");
  });

  it("with stack-name, Ref/GetAtt of deployed resources are their physical IDs", () => {
    const p = parseCloudFormation(template("service.yaml").template, {
      scope,
      parameters,
      exports,
      stackName: "papyrus-prd",
      stackResources: new Map([
        ["DbSecret", "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/prd/db-XyZ123"],
        ["ExecutionRole", "papyrus-prd-execution"],
      ]),
    });
    expect(secretsOf(p.taskDefinitions[0])[0]).toBe(
      "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/prd/db-XyZ123",
    );
    expect(p.iam.roles.get("papyrus-prd-execution")?.created).toBe(false);
    expect(p.taskDefinitions[0]?.change).toBe("create");
  });

  it("a CDK-synthesized template: Fn::Join ARNs, Roles by Ref, generated names consistent across resources", () => {
    const p = parseCloudFormation(template("cdk-synth.template.json").template, { scope, parameters: {} });
    expect(p.unresolved).toEqual([]);
    const [td] = p.taskDefinitions;
    const exec = [...p.iam.roles.values()].find((r) => r.address === "TaskDefExecutionRoleB4775C97");
    expect(td?.doc?.executionRoleArn).toBe(exec?.arn);
    const policy = exec?.inline.get("TaskDefExecutionRoleDefaultPolicyA7D5C2E9")?.document ?? "";
    const apiKey = p.placeholders.get("ApiKeySecret9E6DB2C4") as string;
    expect(secretsOf(td)).toContain(apiKey);
    expect(policy).toContain(apiKey);
    expect(secretsOf(td)).toContain("arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf");
  });

  it("Fn::Sub and Fn::Join agree on any strings, and ${!Literal} stays literal", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string().filter((s) => !s.includes("$")),
          { minLength: 1, maxLength: 4 },
        ),
        (parts) => {
          const t = { Resources: {}, Parameters: { P: { Type: "String" } } };
          const i = new Intrinsics(t, { scope, parameters: { P: "value" } });
          const joined = i.resolve({ "Fn::Join": ["${P}", parts] }, "x");
          const sub = i.resolve({ "Fn::Sub": parts.join("${!P}") }, "x");
          expect(sub).toBe(joined);
          expect(i.resolve({ "Fn::Sub": parts.join("${P}") }, "x")).toBe(parts.join("value"));
          expect(i.unresolved).toEqual([]);
        },
      ),
    );
  });

  it("a YAML template with a syntax error is an error naming the problem, not a task definition", () => {
    expect(() => detectPlannedInput("Resources:\n  A: [\n", "t.yaml")).toThrow(/t.yaml is not valid YAML/);
  });
});

describe("CloudFormation templates: key policies, key states and secret resource policies", () => {
  const p = () => parseCloudFormation(template("key-policies.yaml").template, { scope, parameters: {} });
  const keyArn = (id: string) => p().placeholders.get(id) ?? expect.fail(`no placeholder for ${id}`);
  const secretArn = (name: string) => `arn:aws:secretsmanager:us-west-2:123456789012:secret:${name}-PLANND`;

  it("reads each KeyPolicy with its intrinsics resolved, and each key is enabled", () => {
    const parsed = p();
    expect(parsed.unresolved).toEqual([]);
    const app = parsed.plannedKeys?.get(keyArn("AppKey"));
    expect(app).toMatchObject({ address: "AppKey", enabled: { value: true, address: "AppKey" } });
    expect(JSON.parse(app?.policy ?? "{}").Statement[0].Principal).toEqual({
      AWS: "arn:aws:iam::123456789012:role/papyrus-key-admin",
    });
    const worker = JSON.parse(parsed.plannedKeys?.get(keyArn("WorkerKey"))?.policy ?? "{}");
    expect(worker.Statement[1]).toMatchObject({
      Principal: { AWS: "arn:aws:iam::123456789012:role/papyrus-prd-execution" },
      Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com" } },
    });
  });

  it("the KmsKeyId of each secret it creates, by Ref (a key id) and by GetAtt (a key ARN)", () => {
    const parsed = p();
    expect(parsed.plannedSecretKeys?.get(secretArn("papyrus/prd/api-key"))).toBe(
      keyArn("AppKey").replace(/^.*:key\//, ""),
    );
    expect(parsed.plannedSecretKeys?.get(secretArn("papyrus/prd/worker-token"))).toBe(keyArn("WorkerKey"));
  });

  it("a ResourcePolicy sets the policy of the secret it names; secrets it creates without one have none", () => {
    const parsed = p();
    const db = parsed.plannedSecrets?.get("arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf");
    expect(db?.address).toBe("DbSecretPolicy");
    expect(JSON.parse(db?.policy ?? "{}").Statement[0].Condition).toEqual({
      StringNotEquals: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/papyrus-api" },
    });
    expect(parsed.plannedSecrets?.get(secretArn("papyrus/prd/api-key"))).toEqual({ address: "ApiKey", policy: null });
  });

  it('a key without KeyPolicy gets KMS\'s default key policy; Enabled: false (or "false") disables it', () => {
    for (const enabled of [false, "false"]) {
      const parsed = parseCloudFormation(
        { Resources: { Key: { Type: "AWS::KMS::Key", Properties: { Enabled: enabled } } } },
        { scope, parameters: {} },
      );
      const key = [...(parsed.plannedKeys?.values() ?? [])][0];
      expect(key).toMatchObject({ defaultPolicy: true, enabled: { value: false, address: "Key" } });
      expect(JSON.parse(key?.policy ?? "{}").Statement[0].Principal).toEqual({ AWS: "arn:aws:iam::123456789012:root" });
    }
  });

  it("an AWS::KMS::Alias names its target key, and a secret's KmsKeyId by !Ref of the alias is the alias name", () => {
    const parsed = parseCloudFormation(
      {
        Resources: {
          Key: { Type: "AWS::KMS::Key", Properties: {} },
          KeyAlias: {
            Type: "AWS::KMS::Alias",
            Properties: { AliasName: "alias/papyrus", TargetKeyId: { Ref: "Key" } },
          },
          Secret: { Type: "AWS::SecretsManager::Secret", Properties: { Name: "s", KmsKeyId: { Ref: "KeyAlias" } } },
        },
      },
      { scope, parameters: {} },
    );
    const key = parsed.placeholders.get("Key");
    expect(parsed.plannedAliases?.get("alias/papyrus")).toBe(key);
    expect(parsed.plannedAliases?.get("arn:aws:kms:us-west-2:123456789012:alias/papyrus")).toBe(key);
    expect(parsed.plannedSecretKeys?.get(secretArn("s"))).toBe("alias/papyrus");
  });

  it("a deployed secret (stack-name) with a KmsKeyId: the key it will be encrypted with, by its physical ARN", () => {
    const deployed = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/prd/api-key-AbCdEf";
    const parsed = parseCloudFormation(
      {
        Resources: {
          Key: { Type: "AWS::KMS::Key", Properties: {} },
          Secret: { Type: "AWS::SecretsManager::Secret", Properties: { KmsKeyId: { "Fn::GetAtt": ["Key", "Arn"] } } },
        },
      },
      { scope, parameters: {}, stackName: "papyrus", stackResources: new Map([["Secret", deployed]]) },
    );
    expect(parsed.plannedSecretKeys?.get(deployed)).toBe(parsed.placeholders.get("Key"));
    // A deployed key without KeyPolicy in the template keeps its own policy (read from AWS), not the default one.
    const stack = parseCloudFormation(
      { Resources: { Key: { Type: "AWS::KMS::Key", Properties: {} } } },
      {
        scope,
        parameters: {},
        stackName: "papyrus",
        stackResources: new Map([["Key", "1234abcd-12ab-34cd-56ef-1234567890ab"]]),
      },
    );
    expect([...(stack.plannedKeys?.values() ?? [])]).toEqual([{ address: "Key" }]);
    // A deployed secret keeps its resource policy unless the template sets one.
    expect(parsed.plannedSecrets?.has(deployed)).toBe(false);
  });

  it("a KeyPolicy with an intrinsic it cannot resolve is unresolved, not guessed", () => {
    const parsed = parseCloudFormation(
      {
        Resources: {
          Key: {
            Type: "AWS::KMS::Key",
            Properties: { KeyPolicy: { Statement: [{ Effect: "Allow", Principal: { AWS: { Ref: "Missing" } } }] } },
          },
        },
      },
      { scope, parameters: {} },
    );
    const key = [...(parsed.plannedKeys?.values() ?? [])][0];
    expect(key?.policy).toBeUndefined();
    expect(key?.unknown?.at).toMatch(/^Key\.Properties\.KeyPolicy/);
    expect(parsed.unresolved).toContain(key?.unknown);
  });
});
