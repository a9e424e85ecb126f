import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  ListExportsCommand,
  paginateListExports,
} from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "./server";

let emu: RunningEmulator;
let cfn: CloudFormationClient;
const SECRET = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/prd/db-XyZ123";
beforeAll(async () => {
  emu = await startEmulator({
    timeScale: 0.01,
    scenario: {
      cloudformation: {
        stacks: [
          {
            name: "papyrus-prd",
            resources: [
              { logicalId: "DbSecret", physicalId: SECRET, type: "AWS::SecretsManager::Secret" },
              { logicalId: "ExecutionRole", physicalId: "papyrus-prd-execution", type: "AWS::IAM::Role" },
            ],
            exports: {
              "papyrus-shared-token-arn":
                "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/shared-token-MnOpQr",
            },
          },
          {
            name: "many-exports",
            exports: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`export-${i}`, `value-${i}`])),
          },
        ],
      },
    },
  });
  cfn = new CloudFormationClient({
    endpoint: emu.endpoint,
    region: "us-west-2",
    credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
  });
});
afterAll(async () => {
  cfn.destroy();
  await emu.stop();
});

describe("CloudFormation", () => {
  it("DescribeStackResources by stack name, by stack ID and by physical ID, filtered by logical ID", async () => {
    const all = await cfn.send(new DescribeStackResourcesCommand({ StackName: "papyrus-prd" }));
    expect(all.StackResources?.map((r) => [r.LogicalResourceId, r.PhysicalResourceId, r.ResourceStatus])).toEqual([
      ["DbSecret", SECRET, "CREATE_COMPLETE"],
      ["ExecutionRole", "papyrus-prd-execution", "CREATE_COMPLETE"],
    ]);
    const stackId = all.StackResources?.[0]?.StackId as string;
    expect(stackId).toMatch(/^arn:aws:cloudformation:us-west-2:123456789012:stack\/papyrus-prd\/[0-9a-f-]{36}$/);
    const byId = await cfn.send(
      new DescribeStackResourcesCommand({ StackName: stackId, LogicalResourceId: "DbSecret" }),
    );
    expect(byId.StackResources?.map((r) => r.PhysicalResourceId)).toEqual([SECRET]);
    expect(byId.StackResources?.[0]?.Timestamp).toBeInstanceOf(Date);
    const byPhysical = await cfn.send(
      new DescribeStackResourcesCommand({ PhysicalResourceId: "papyrus-prd-execution" }),
    );
    expect(byPhysical.StackResources).toHaveLength(2);
  });

  it("DescribeStackResources refuses what CloudFormation refuses, with ValidationError", async () => {
    await expect(cfn.send(new DescribeStackResourcesCommand({ StackName: "nope" }))).rejects.toMatchObject({
      name: "ValidationError",
      message: "Stack with id nope does not exist",
    });
    await expect(
      cfn.send(new DescribeStackResourcesCommand({ StackName: "papyrus-prd", PhysicalResourceId: SECRET })),
    ).rejects.toMatchObject({ name: "ValidationError" });
    await expect(cfn.send(new DescribeStackResourcesCommand({}))).rejects.toMatchObject({ name: "ValidationError" });
  });

  it("ListExports pages by 100 with NextToken; the SDK paginator reads them all", async () => {
    const first = await cfn.send(new ListExportsCommand({}));
    expect(first.Exports).toHaveLength(100);
    expect(first.NextToken).toBeTruthy();
    const names: string[] = [];
    for await (const p of paginateListExports({ client: cfn }, {}))
      names.push(...(p.Exports ?? []).map((e) => e.Name as string));
    expect(names).toHaveLength(151);
    expect(names).toContain("papyrus-shared-token-arn");
    await expect(cfn.send(new ListExportsCommand({ NextToken: "bogus" }))).rejects.toMatchObject({
      name: "ValidationError",
    });
  });
});
