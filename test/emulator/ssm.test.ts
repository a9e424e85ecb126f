import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  type DescribeParametersCommandInput,
  GetParameterCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spyAuthorizations } from "./authorizer-spy";
import { type RunningEmulator, startEmulator } from "./server";

const KMS = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ARN = "arn:aws:ssm:us-west-2:123456789012:parameter/";

let emu: RunningEmulator;
let ssm: SSMClient;

beforeAll(async () => {
  emu = await startEmulator({
    scenario: {
      ssm: {
        parameters: [
          { name: "/papyrus/db/host", value: "127.0.0.1" },
          { name: "/papyrus/db/password", value: "hunter2", keyId: KMS },
          { name: "/papyrus/api-key", value: "k-123", type: "SecureString" },
          { name: "/papyrus/hosts", value: ["a", "b"] },
          { name: "toplevel", value: "t", tags: { team: "web" } },
        ],
      },
    },
  });
  ssm = new SSMClient({ endpoint: emu.endpoint, region: "us-west-2" });
});
afterAll(() => emu.stop());

describe("SSM emulator: reading", () => {
  it("gets a parameter by name with or without the leading slash, or by ARN", async () => {
    for (const name of ["/papyrus/db/host", `${ARN}papyrus/db/host`]) {
      const out = await ssm.send(new GetParameterCommand({ Name: name }));
      expect(out.Parameter).toMatchObject({
        Name: "/papyrus/db/host",
        Type: "String",
        Value: "127.0.0.1",
        Version: 1,
        ARN: `${ARN}papyrus/db/host`,
        DataType: "text",
      });
      expect(out.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    }
    for (const name of ["toplevel", "/toplevel"]) {
      const out = await ssm.send(new GetParameterCommand({ Name: name }));
      expect(out.Parameter).toMatchObject({ Name: "toplevel", ARN: `${ARN}toplevel` });
    }
    const list = await ssm.send(new GetParameterCommand({ Name: "/papyrus/hosts" }));
    expect(list.Parameter).toMatchObject({ Type: "StringList", Value: "a,b" });
  });

  it("shows SecureString values only WithDecryption", async () => {
    const hidden = await ssm.send(new GetParameterCommand({ Name: "/papyrus/db/password" }));
    expect(hidden.Parameter?.Type).toBe("SecureString");
    expect(hidden.Parameter?.Value).not.toContain("hunter2");
    const shown = await ssm.send(new GetParameterCommand({ Name: "/papyrus/db/password", WithDecryption: true }));
    expect(shown.Parameter?.Value).toBe("hunter2");
  });

  it("answers ParameterNotFound, and GetParameters lists InvalidParameters", async () => {
    await expect(ssm.send(new GetParameterCommand({ Name: "/papyrus/nope" }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
    await expect(ssm.send(new GetParameterCommand({ Name: "/papyrus/db/host:7" }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
    const out = await ssm.send(
      new GetParametersCommand({
        Names: ["/papyrus/db/host", "/papyrus/nope", "/papyrus/api-key"],
        WithDecryption: true,
      }),
    );
    expect(out.Parameters?.map((p) => [p.Name, p.Value])).toEqual([
      ["/papyrus/db/host", "127.0.0.1"],
      ["/papyrus/api-key", "k-123"],
    ]);
    expect(out.InvalidParameters).toEqual(["/papyrus/nope"]);
    const eleven = Array.from({ length: 11 }, (_, i) => `/p${i}`);
    await expect(ssm.send(new GetParametersCommand({ Names: eleven }))).rejects.toMatchObject({
      name: "ValidationException",
    });
  });

  it("describes parameters with filters (KeyId for SecureString) and paging", async () => {
    const names = async (input: DescribeParametersCommandInput) =>
      ((await ssm.send(new DescribeParametersCommand(input))).Parameters ?? []).map((p) => p.Name);
    const secure = await ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: "Type", Values: ["SecureString"] }] }),
    );
    expect(secure.Parameters?.map((p) => [p.Name, p.KeyId])).toEqual([
      ["/papyrus/api-key", "alias/aws/ssm"],
      ["/papyrus/db/password", KMS],
    ]);
    expect(secure.Parameters?.[0]).not.toHaveProperty("Value");
    const plain = await ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Values: ["papyrus/db/host"] }] }),
    );
    expect(plain.Parameters?.[0]?.KeyId).toBeUndefined();
    expect(await names({ ParameterFilters: [{ Key: "Path", Values: ["/papyrus"] }] })).toEqual([
      "/papyrus/api-key",
      "/papyrus/hosts",
    ]);
    expect(
      await names({ ParameterFilters: [{ Key: "Path", Option: "Recursive", Values: ["/papyrus/"] }] }),
    ).toHaveLength(4);
    expect(await names({ ParameterFilters: [{ Key: "Name", Option: "BeginsWith", Values: ["/papyrus/db"] }] })).toEqual(
      ["/papyrus/db/host", "/papyrus/db/password"],
    );
    expect(await names({ ParameterFilters: [{ Key: "KeyId", Values: [KMS] }] })).toEqual(["/papyrus/db/password"]);
    expect(await names({ Filters: [{ Key: "Type", Values: ["StringList"] }] })).toEqual(["/papyrus/hosts"]);
    expect(await names({ ParameterFilters: [{ Key: "tag:team", Values: ["web"] }] })).toEqual(["toplevel"]);
    const first = await ssm.send(new DescribeParametersCommand({ MaxResults: 3 }));
    expect(first.Parameters).toHaveLength(3);
    const second = await ssm.send(new DescribeParametersCommand({ MaxResults: 3, NextToken: first.NextToken }));
    expect(second.Parameters).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();
    await expect(ssm.send(new DescribeParametersCommand({ MaxResults: 51 }))).rejects.toMatchObject({
      name: "ValidationException",
    });
  });
});

describe("SSM emulator: writing", () => {
  it("puts new parameters and versions, refusing overwrites without Overwrite", async () => {
    const created = await ssm.send(
      new PutParameterCommand({ Name: "/smoke/token", Value: "v1", Type: "SecureString", KeyId: "alias/smoke" }),
    );
    expect(created).toMatchObject({ Version: 1, Tier: "Standard" });
    expect(emu.emulator.leftovers().ssm).toEqual([`${ARN}smoke/token`]);
    const keyOf = async () =>
      (await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Values: ["/smoke/token"] }] })))
        .Parameters?.[0]?.KeyId;
    expect(await keyOf()).toBe("alias/smoke");
    await expect(ssm.send(new PutParameterCommand({ Name: "/smoke/token", Value: "v2" }))).rejects.toBeInstanceOf(
      ParameterAlreadyExists,
    );
    const second = await ssm.send(new PutParameterCommand({ Name: "/smoke/token", Value: "v2", Overwrite: true }));
    expect(second.Version).toBe(2);
    const latest = await ssm.send(new GetParameterCommand({ Name: "/smoke/token", WithDecryption: true }));
    expect(latest.Parameter).toMatchObject({ Value: "v2", Version: 2, Type: "SecureString" });
    const v1 = await ssm.send(new GetParameterCommand({ Name: "/smoke/token:1", WithDecryption: true }));
    expect(v1.Parameter).toMatchObject({ Value: "v1", Selector: ":1" });
    const described = await ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Values: ["/smoke/token"] }] }),
    );
    // Without KeyId the new version is encrypted with the account default key, as AWS documents.
    expect(described.Parameters?.[0]).toMatchObject({ KeyId: "alias/aws/ssm", Version: 2 });
    await ssm.send(new DeleteParameterCommand({ Name: "/smoke/token" }));
    expect(emu.emulator.leftovers().ssm).toBeUndefined();
    await expect(ssm.send(new DeleteParameterCommand({ Name: "/smoke/token" }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
  });

  it("validates names, types and KeyId as AWS does", async () => {
    const refused = [
      { Name: "no/leading/slash", Value: "x", Type: "String" as const },
      { Name: "/aws/reserved", Value: "x", Type: "String" as const },
      { Name: "/smoke/plain", Value: "x", Type: "String" as const, KeyId: "alias/x" },
      { Name: "/smoke/untyped", Value: "x" },
      { Name: "/smoke/empty", Value: "", Type: "String" as const },
      { Name: "/smoke/big", Value: "x".repeat(4097), Type: "String" as const },
      { Name: "toplevel", Value: "x", Overwrite: true, Tags: [{ Key: "a", Value: "b" }] },
    ];
    for (const input of refused)
      await expect(ssm.send(new PutParameterCommand(input)), input.Name).rejects.toMatchObject({
        name: "ValidationException",
      });
    expect(emu.emulator.leftovers().ssm).toBeUndefined();
  });
});

describe("SSM emulator: enforcement resources", () => {
  it("evaluates each call on the parameter ARN without the leading slash", async () => {
    const seen = await spyAuthorizations(
      emu,
      (action) => action === "ssm:GetParameter",
      async () => {
        await ssm.send(new GetParametersCommand({ Names: ["/papyrus/db/host", "toplevel"] }));
        await ssm.send(new DescribeParametersCommand({}));
        await expect(ssm.send(new GetParameterCommand({ Name: "/papyrus/api-key" }))).rejects.toMatchObject({
          name: "AccessDeniedException",
        });
      },
    );
    expect(seen.map((a) => [a.action, a.resources])).toEqual([
      ["ssm:GetParameters", [`${ARN}papyrus/db/host`, `${ARN}toplevel`]],
      ["ssm:DescribeParameters", ["*"]],
      ["ssm:GetParameter", [`${ARN}papyrus/api-key`]],
    ]);
  });
});
