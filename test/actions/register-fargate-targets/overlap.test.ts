import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator/server";
import type { Elbv2Service } from "../../emulator/services/elbv2";
import { type SampleApp, startTasks } from "../../fixtures/sample-app";
import { errors } from "../../harness/runner";
import {
  albInputs,
  describeRun,
  emulatorFor,
  inProcess,
  leftovers,
  registerInputs,
  runAlb,
  runAlbPost,
  runRegisterPost,
  scenario,
  startRegister,
  taskSpecs,
} from "../ephemeral-alb/cycle";
import { QUICK_ELB } from "./quick-elb";

interface ElbState {
  elasticloadbalancing: { loadBalancers: { LoadBalancerArn: string; State: { Code: string } }[] };
}

function lbState(emu: RunningEmulator, arn: string): string | undefined {
  const state = emu.emulator.state() as unknown as ElbState;
  return state.elasticloadbalancing.loadBalancers.find((l) => l.LoadBalancerArn === arn)?.State.Code;
}

/** Resolves once the step has called RegisterTargets and then DescribeLoadBalancers (at most 60 s). */
async function watchingAfterRegister(emu: RunningEmulator, from: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const calls = emu.emulator.requests.slice(from).map((r) => r.action);
    const registered = calls.indexOf("RegisterTargets");
    if (registered >= 0 && calls.indexOf("DescribeLoadBalancers", registered) > registered) return;
    if (Date.now() > deadline) throw new Error(`register did not watch the load balancer: ${calls.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The overlapped cycle: ephemeral-alb `wait-until-active: false` hands over
 * while the load balancer provisions; register-fargate-targets registers at
 * once and waits for the load balancer and then the targets. The first test is
 * also register-fargate-targets' bundle smoke test (its main started as the
 * runner starts it, its post step and ephemeral-alb's, all spawned); the
 * second runs every step in process.
 */
describe("wait-until-active: false → register during provisioning", () => {
  let apps: SampleApp[] = [];
  let emu: RunningEmulator;
  beforeAll(async () => {
    apps = await startTasks(2);
  });
  afterAll(async () => {
    await emu?.stop();
    await Promise.all(apps.map((a) => a.stop()));
  });

  it("ephemeral-alb returns while provisioning; register waits for active and healthy", async () => {
    // Provisioning that would outlast the test (10^4 s at timeScale 0.01): the load balancer becomes active
    // when register has registered and is watching it, however long the steps take to start.
    emu = await emulatorFor(
      scenario({ tasks: taskSpecs(apps), extra: { elbv2: { ...QUICK_ELB, provisioningSeconds: 1e6 } } }),
    );
    const alb = await runAlb(emu, await albInputs({ "wait-until-active": false }));
    try {
      expect(alb.code, describeRun(alb)).toBe(0);
      const lb = alb.outputs["load-balancer-arn"] as string;
      for (const o of ["load-balancer-arn", "target-group-arn", "listener-arn", "url", "security-group-id"])
        expect(alb.outputs[o], o).not.toBe("");
      expect(JSON.parse(alb.outputs.resources ?? "{}").loadBalancer.state).toBe("provisioning");
      expect(lbState(emu, lb)).toBe("provisioning");
      expect(JSON.parse(alb.state["alb-state"] ?? "{}").listenerArn).toBe(alb.outputs["listener-arn"]);

      const before = emu.emulator.requests.length;
      const step = startRegister(emu, registerInputs(alb.outputs["target-group-arn"] as string));
      await watchingAfterRegister(emu, before);
      await emu.emulator.service<Elbv2Service>("elasticloadbalancing").finishProvisioningNow(lb);
      const reg = await step.result;
      expect(reg.code, describeRun(reg)).toBe(0);
      expect(reg.outputs.healthy).toBe("true");
      const calls = emu.emulator.requests.slice(before).map((r) => r.action);
      // It registered at once and watched the load balancer until active.
      expect(calls.indexOf("RegisterTargets")).toBeLessThan(calls.lastIndexOf("DescribeLoadBalancers"));
      expect(reg.stdout).toMatch(/Registered while load balancer \S+-alb provisioning: waiting for it to be active/);
      expect(reg.stdout).toMatch(/Load balancer \S+-alb active after [\d.]+s of waiting\./);
      expect(lbState(emu, lb)).toBe("active");
      expect((await runRegisterPost(emu, reg)).code).toBe(0);
    } finally {
      expect((await runAlbPost(emu, alb)).code).toBe(0);
    }
    expect(leftovers(emu)).toEqual({});
    await emu.stop();
  });

  it("a load balancer that ends 'failed' fails register at once, naming the state and AWS's reason", async () => {
    // Held in provisioning until register watches it, then ended `failed` (elbv2.failProvisioning).
    emu = await emulatorFor(
      scenario({
        tasks: taskSpecs(apps),
        extra: { elbv2: { ...QUICK_ELB, provisioningSeconds: 1e6, failProvisioning: ["*"] } },
      }),
    );
    const alb = await inProcess.runAlb(emu, await albInputs({ "wait-until-active": false }));
    try {
      expect(alb.code, describeRun(alb)).toBe(0);
      // timeout-seconds 600, but the harness gives up on the step after 60 s: a wait that sat it out fails here.
      const before = emu.emulator.requests.length;
      const step = inProcess.runRegister(
        emu,
        registerInputs(alb.outputs["target-group-arn"] as string, { "timeout-seconds": 600 }),
        { timeoutMs: 60_000 },
      );
      await watchingAfterRegister(emu, before);
      await emu.emulator
        .service<Elbv2Service>("elasticloadbalancing")
        .finishProvisioningNow(alb.outputs["load-balancer-arn"] as string);
      const reg = await step;
      expect(reg.code, describeRun(reg)).toBe(1);
      const message = errors(reg).join("\n");
      expect(message).toMatch(
        /load balancer \S+-alb entered state 'failed': Load balancer provisioning failed \(emulator scenario: elbv2\.failProvisioning\)/,
      );
      expect(message).not.toMatch(/Hint:|task-security-group-id|timed out/);
      expect((await inProcess.runRegisterPost(emu, reg)).code).toBe(0);
    } finally {
      expect((await inProcess.runAlbPost(emu, alb)).code).toBe(0);
    }
    expect(leftovers(emu)).toEqual({});
  });
});
