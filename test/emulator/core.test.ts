import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "./server";
import { operations } from "./types";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    scenario: { principals: { AKIACIROLE0000000001: "arn:aws:iam::123456789012:role/alb-smoke-ci" } },
  });
});
afterAll(() => emu.stop());

const sts = (accessKeyId = "AKIAEMULATOR00000001") =>
  new STSClient({ endpoint: emu.endpoint, region: "us-west-2", credentials: { accessKeyId, secretAccessKey: "x" } });

describe("emulator core", () => {
  it("routes by the SigV4 credential scope and answers STS in the query protocol", async () => {
    const id = await sts().send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe("123456789012");
    expect(id.Arn).toBe("arn:aws:iam::123456789012:user/emulator");
    const role = await sts("AKIACIROLE0000000001").send(new GetCallerIdentityCommand({}));
    expect(role.Arn).toBe("arn:aws:sts::123456789012:assumed-role/alb-smoke-ci/GitHubActions");
  });

  it("injects seeded throttling that the SDK retries, and logs every call", async () => {
    emu.emulator.faults.configure({ seed: 7, rules: [{ service: "sts", failNth: { n: 1, code: "Throttling" } }] });
    const before = emu.emulator.requests.length;
    await sts().send(new GetCallerIdentityCommand({}));
    const calls = emu.emulator.requests.slice(before);
    expect(calls.map((c) => c.code ?? c.status)).toEqual(["Throttling", 200]);
    emu.emulator.faults.configure({ rules: [] });
  });

  it("answers an injected AccessDenied in the query error shape", async () => {
    emu.emulator.faults.configure({ rules: [{ service: "sts", failFrom: { code: "AccessDenied", status: 403 } }] });
    await expect(sts().send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: "AccessDenied" });
    emu.emulator.faults.configure({ rules: [] });
  });
});

describe("operations(handlers, iam)", () => {
  const handler = () => ({});
  it("joins each handler with its IAM record", () => {
    const resources = () => ["arn:aws:sts::123456789012:x"];
    const ops = operations({ A: handler, B: handler }, { A: { resources }, B: {} });
    expect(ops.A).toEqual({ handler, resources });
    expect(ops.B).toEqual({ handler });
  });
  it("refuses a handler without its IAM record, and a record without its handler", () => {
    expect(() =>
      operations({ A: handler, B: handler } as Record<string, () => object>, { A: {} } as Record<string, object>),
    ).toThrow("operations without an IAM record: [B]");
    expect(() =>
      operations({ A: handler } as Record<string, () => object>, { A: {}, C: {} } as Record<string, object>),
    ).toThrow("IAM records without a handler: [C]");
  });
});

describe("every service builds its operations with operations(handlers, iam)", () => {
  // A module's `operations:` is operations(...) itself, or a join of its resource-type files' `<type>Operations(state)`,
  // each of which returns operations(...).
  const dir = join(import.meta.dirname, "services");
  const modules = readdirSync(dir).filter((f) => f.endsWith(".ts") && !["index.ts", "paging.ts"].includes(f));
  it.each(modules)("%s", (file) => {
    const source = readFileSync(join(dir, file), "utf8");
    const value = /\n\s*operations: ([^\n]*)/.exec(source)?.[1];
    expect(value, `${file} has no operations`).toBeDefined();
    if (value?.startsWith("operations(")) return;
    expect(value).toBe("{");
    const body = source.slice(source.indexOf("\n    operations: {") + 1);
    const spreads = body.slice(0, body.indexOf("\n    },")).split("\n").slice(1);
    expect(spreads.length).toBeGreaterThan(0);
    for (const line of spreads) {
      const name = /^\s*\.\.\.(\w+Operations)\(state\),$/.exec(line)?.[1];
      expect(name, `${file}: ${line}`).toBeDefined();
      const folder = join(dir, file.replace(/\.ts$/, ""));
      const definer = readdirSync(folder)
        .map((f) => readFileSync(join(folder, f), "utf8"))
        .find((text) => text.includes(`export function ${name}(`));
      expect(definer, `${name} is defined in ${folder}`).toBeDefined();
      const fn = definer?.slice(definer.indexOf(`export function ${name}(`)) ?? "";
      expect(fn.slice(0, fn.indexOf("\n}\n"))).toMatch(/\n {2}return operations\(/);
    }
  });
});
