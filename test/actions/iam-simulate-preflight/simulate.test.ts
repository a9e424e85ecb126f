/** Batching and Marker paging of SimulatePrincipalPolicy, in-process against the emulator's IAM. */
import { IAMClient } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckList, type Principal } from "../../../src/actions/iam-simulate-preflight/checks";
import { stringValue } from "../../../src/actions/iam-simulate-preflight/context-types";
import { awsPlanIo } from "../../../src/actions/iam-simulate-preflight/plan/aws-io";
import { iamSimulator, planCalls, simulateChecks } from "../../../src/actions/iam-simulate-preflight/simulate";
import { withOperationNames } from "../../../src/lib/aws";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import { ACCOUNT, EXECUTION_ROLE, REGION, scenario, secretsPolicy } from "./scenario";

let emu: RunningEmulator;
let iam: IAMClient;
const role: Principal = { arn: EXECUTION_ROLE, role: "execution role" };
const secret = (i: number) =>
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:s${i}-Ab${String(i).padStart(4, "0")}`;

beforeAll(async () => {
  const allowed = Array.from({ length: 24 }, (_, i) => secret(i));
  emu = await startEmulator({ scenario: scenario({ executionPolicy: secretsPolicy(allowed) }) });
  iam = new IAMClient({ endpoint: emu.endpoint, region: REGION });
});

afterAll(async () => {
  iam.destroy();
  await emu.stop();
});

function checks(n: number, actions: string[]) {
  const list = new CheckList();
  for (const action of actions) {
    for (let i = 0; i < n; i++) list.add(role, action, secret(i), { reason: `S${i}` });
  }
  return list.all();
}

describe("planCalls", () => {
  it("chunks resources by 20 and merges actions that share a chunk", () => {
    const calls = planCalls(checks(45, ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]));
    expect(calls.map((c) => [c.actions.length, c.resources.length])).toEqual([
      [2, 20],
      [2, 20],
      [2, 5],
    ]);
  });

  it("keeps principals and contexts apart", () => {
    const list = new CheckList();
    list.add(role, "s3:GetObject", "arn:aws:s3:::b/k", { reason: "a" });
    list.add(role, "s3:GetObject", "arn:aws:s3:::b/k", {
      reason: "b",
      context: { "aws:SourceVpc": stringValue("vpc-1") },
    });
    list.add({ arn: "arn:aws:iam::123456789012:role/other", role: "extra" }, "s3:GetObject", "arn:aws:s3:::b/k", {
      reason: "c",
    });
    list.add(role, "s3:GetObject", "arn:aws:s3:::b/k", { reason: "d" });
    expect(list.all()).toHaveLength(3);
    expect(list.all()[0]?.reasons).toEqual(["a", "d"]);
    expect(planCalls(list.all())).toHaveLength(3);
  });
});

describe("simulateChecks", () => {
  it("follows Marker pages and maps every resource back to its row", async () => {
    const all = checks(25, ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "kms:Decrypt"]);
    const before = emu.emulator.requests.length;
    const sent: { Marker?: string; MaxItems?: number }[] = [];
    const recorded = new IAMClient({ endpoint: emu.endpoint, region: REGION });
    recorded.middlewareStack.add(
      (next) => (args) => {
        const input = args.input as { Marker?: string; MaxItems?: number };
        sent.push({
          ...(input.Marker ? { Marker: input.Marker } : {}),
          ...(input.MaxItems ? { MaxItems: input.MaxItems } : {}),
        });
        return next(args);
      },
      { step: "initialize" },
    );
    const result = await simulateChecks(all, iamSimulator(recorded), { maxItems: 1 });
    recorded.destroy();
    // 2 resource chunks (20 + 5), 3 actions each, one action per page.
    expect(result.calls).toBe(2);
    expect(result.requests).toBe(6);
    expect(sent.filter((s) => s.Marker)).toHaveLength(4);
    expect(emu.emulator.requests.length - before).toBe(6);
    expect(result.rows).toHaveLength(75);
    const get = result.rows.filter((r) => r.action === "secretsmanager:GetSecretValue");
    expect(get.filter((r) => r.decision === "allowed").map((r) => r.resource)).toEqual(
      Array.from({ length: 24 }, (_, i) => secret(i)),
    );
    expect(get.find((r) => r.resource === secret(24))?.decision).toBe("implicitDeny");
    expect(
      result.rows
        .filter((r) => r.action !== "secretsmanager:GetSecretValue")
        .every((r) => r.decision === "implicitDeny"),
    ).toBe(true);
  });

  it("SimulateCustomPolicy goes through the same paging: every Marker page read, errors named by operation", async () => {
    const sent: { Marker?: string }[] = [];
    const recorded = withOperationNames(new IAMClient({ endpoint: emu.endpoint, region: REGION }));
    recorded.middlewareStack.add(
      (next) => (args) => {
        const input = args.input as { Marker?: string };
        sent.push(input.Marker ? { Marker: input.Marker } : {});
        return next(args);
      },
      { step: "initialize" },
    );
    const io = awsPlanIo(recorded);
    const policy = JSON.stringify(secretsPolicy([secret(0)]));
    const input = {
      PolicyInputList: [policy],
      ActionNames: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "kms:Decrypt"],
      ResourceArns: [secret(0)],
    };
    const pages = [];
    for await (const page of io.simulateCustom(input, 1)) pages.push(page);
    expect(pages).toHaveLength(3);
    expect(sent.filter((s) => s.Marker)).toHaveLength(2);
    expect(pages.flatMap((p) => p.EvaluationResults ?? []).map((r) => [r.EvalActionName, r.EvalDecision])).toEqual([
      ["secretsmanager:GetSecretValue", "allowed"],
      ["secretsmanager:DescribeSecret", "implicitDeny"],
      ["kms:Decrypt", "implicitDeny"],
    ]);
    const bad = async () => {
      for await (const _ of io.simulateCustom({ ...input, PolicyInputList: ["{not json"] })) void _;
    };
    await expect(bad()).rejects.toThrow(/iam:SimulateCustomPolicy/);
    recorded.destroy();
  });

  it("says which check IAM left without a result instead of guessing", async () => {
    await expect(
      simulateChecks(checks(1, ["secretsmanager:GetSecretValue"]), async function* () {
        yield { EvaluationResults: [], $metadata: {} };
      }),
    ).rejects.toThrow(/returned no result for secretsmanager:GetSecretValue/);
  });
});
