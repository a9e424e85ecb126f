/**
 * The post step against EC2's eventual consistency, replayed deterministically:
 * the state a SIGKILL leaves right after CreateSecurityGroup (fault campaign
 * seed 4123), with the new group still invisible to every other call. The
 * post step must delete the group, never take its NotFound for "gone".
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecurityGroupCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceNames } from "../../../src/actions/ephemeral-alb/naming";
import type { AlbState } from "../../../src/actions/ephemeral-alb/state";
import type { RunningEmulator } from "../../emulator/server";
import type { Ec2Service } from "../../emulator/services/ec2";
import {
  describeRun,
  emulatorFor,
  inProcess,
  leftovers,
  REGION,
  reload,
  scenario,
  TASK_SG,
  uniqueLeg,
  VPC,
} from "./cycle";

const base = scenario({ tasks: [] });
const credentials = { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" };

function killedState(leg: string, createdAt: number): AlbState {
  return {
    version: 1,
    region: REGION,
    vpcId: VPC,
    runId: "4123",
    names: resourceNames("eas-papyrus", {
      repository: "acme/papyrus",
      runId: "4123",
      runAttempt: "1",
      job: "smoke",
      step: "alb",
      leg,
      runner: "r1",
    }),
    containerPort: 5000,
    listenerPort: 80,
    keep: false,
    createdAt,
    taskSecurityGroupId: TASK_SG,
  };
}

describe("ephemeral-alb post step: a security group created a moment ago", () => {
  let emu: RunningEmulator;
  let ec2: EC2Client;
  beforeAll(async () => {
    emu = await emulatorFor(base);
    ec2 = new EC2Client({ endpoint: emu.endpoint, region: REGION, credentials });
  });
  afterAll(async () => {
    await emu?.stop();
  });

  /**
   * Main was killed right after its CreateSecurityGroup: the group exists, invisible (for 10^4 s at timeScale
   * 0.01 unless `consistencyMs` says otherwise, or until `visibleAfter` makes it visible).
   */
  async function createInvisibleGroup(state: AlbState, consistencyMs = 1e9): Promise<string> {
    await reload(emu, base);
    await emu.emulator.loadScenario({ ec2: { consistencyMs } });
    const out = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: state.names.securityGroup, Description: "x", VpcId: VPC }),
    );
    return out.GroupId as string;
  }

  const post = (state: AlbState) =>
    inProcess.runAlbPost(emu, {
      state: { "alb-state": JSON.stringify(state) },
      workspace: mkdtempSync(join(tmpdir(), "eas-post-")),
    });

  /** The post step, with the group made visible once the step has been answered `failed` (at most 60 s in). */
  async function postWithGroupVisibleAfter(state: AlbState, id: string, failed: () => boolean) {
    const from = emu.emulator.requests.length;
    const result = post(state);
    const deadline = Date.now() + 60_000;
    while (!failed() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(emu.emulator.requests.length, "the post step met the invisible group").toBeGreaterThan(from);
    emu.emulator.service<Ec2Service>("ec2").propagateNow(id);
    return result;
  }
  const calls = (action: string) =>
    emu.emulator.requests.filter((r) => r.action === action).map((r) => String(r.code ?? r.status));

  it("with its ID saved: retries the delete through InvalidGroup.NotFound until the group has propagated", async () => {
    const state = killedState(uniqueLeg(), Date.now());
    state.securityGroupId = await createInvisibleGroup(state);
    const result = await postWithGroupVisibleAfter(state, state.securityGroupId, () =>
      calls("DeleteSecurityGroup").includes("InvalidGroup.NotFound"),
    );
    expect(result.code, describeRun(result)).toBe(0);
    const deletes = calls("DeleteSecurityGroup");
    expect(deletes[0]).toBe("InvalidGroup.NotFound");
    expect(deletes.at(-1)).toBe("200");
    expect(result.stdout).toContain(`delete security group ${state.securityGroupId}: deleted`);
    expect(leftovers(emu)).toEqual({});
  });

  it("with no ID saved (the create's answer never arrived): looks by name until the window has passed", async () => {
    const state = killedState(uniqueLeg(), Date.now());
    const id = await createInvisibleGroup(state);
    const looks = calls("DescribeSecurityGroups").length;
    // Made visible after the post step's first look by name found nothing.
    const result = await postWithGroupVisibleAfter(state, id, () => calls("DescribeSecurityGroups").length > looks);
    expect(result.code, describeRun(result)).toBe(0);
    expect(calls("DeleteSecurityGroup").at(-1)).toBe("200");
    expect(result.stdout).toContain(`delete security group ${id}: deleted`);
    expect(leftovers(emu)).toEqual({});
  });

  it("a delete whose response was lost, long after the create: gone, confirmed by Describe", async () => {
    const state = killedState(uniqueLeg(), Date.now() - 10 * 60_000);
    state.securityGroupId = await createInvisibleGroup(state, 0);
    emu.emulator.faults.configure({
      rules: [{ service: "ec2", action: "DeleteSecurityGroup", loseResponseNth: { n: 1 } }],
    });
    const result = await post(state);
    emu.emulator.faults.configure({ rules: [] });
    expect(result.code, describeRun(result)).toBe(0);
    expect(calls("DeleteSecurityGroup")).toEqual(["LostResponse.5xx", "InvalidGroup.NotFound"]);
    expect(calls("DescribeSecurityGroups")).toContain("InvalidGroup.NotFound");
    expect(result.stdout).toContain(`delete security group ${state.securityGroupId}: already gone`);
    expect(leftovers(emu)).toEqual({});
  });

  it("a group that was never created, long after the create began: one look by name, nothing to delete", async () => {
    await reload(emu, base);
    const state = killedState(uniqueLeg(), Date.now() - 10 * 60_000);
    const result = await post(state);
    expect(result.code, describeRun(result)).toBe(0);
    expect(calls("DeleteSecurityGroup")).toEqual([]);
    expect(result.stdout).toContain(`find security group ${state.names.securityGroup}: already gone`);
    expect(leftovers(emu)).toEqual({});
  });
});
