import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get } from "../../emulator/elbv2-helpers";
import type { RunningEmulator } from "../../emulator/server";
import { type SampleApp, startTasks } from "../../fixtures/sample-app";
import {
  albInputs,
  describeRun,
  emulatorFor,
  inProcess,
  leftovers,
  REGION,
  registerInputs,
  scenario,
  taskSpecs,
} from "../ephemeral-alb/cycle";
import { QUICK_ELB } from "./quick-elb";

// Behaviour, so every step runs in process (the runner's files, GITHUB_ENV handed on as in a job).
const { runAlb, runAlbPost, runRegister, runRegisterPost } = inProcess;

const credentials = { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" };

/** keep: true keeps a working ALB: register-fargate-targets' post step leaves the targets registered. */
describe("keep: true is honoured by both post steps", () => {
  let apps: SampleApp[] = [];
  let emu: RunningEmulator;
  let elb: ElasticLoadBalancingV2Client;
  beforeAll(async () => {
    apps = await startTasks(2);
    emu = await emulatorFor(scenario({ tasks: taskSpecs(apps), extra: { elbv2: QUICK_ELB } }));
    elb = new ElasticLoadBalancingV2Client({ endpoint: emu.endpoint, region: REGION, credentials });
  });
  afterAll(async () => {
    await emu?.stop();
    await Promise.all(apps.map((a) => a.stop()));
  });

  async function healthOf(tg: string): Promise<string[]> {
    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }));
    return (out.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State ?? "?");
  }

  it("ephemeral-alb keep: true → the register post step (same job) leaves its targets; the ALB still answers; a sweep removes it all", async () => {
    const alb = await runAlb(emu, await albInputs({ keep: true, leg: "kept" }));
    expect(alb.code, describeRun(alb)).toBe(0);
    expect(alb.outputs.keep).toBe("true");
    const tg = alb.outputs["target-group-arn"] as string;
    // The runner hands GITHUB_ENV to every later step of the job, post steps included.
    expect(alb.env.ECS_ALB_SMOKE_KEPT_TARGET_GROUPS).toBe(tg);
    const jobEnv = { ...alb.env };

    const reg = await runRegister(emu, registerInputs(tg), { env: jobEnv });
    expect(reg.code, describeRun(reg)).toBe(0);
    expect(reg.stdout).toContain(
      "(ephemeral-alb keep: true in this job): the post step leaves the targets registered.",
    );
    const regPost = await runRegisterPost(emu, reg, { env: jobEnv });
    expect(regPost.code, describeRun(regPost)).toBe(0);
    expect(regPost.stdout).toMatch(/keep: leaving \S+:5000, \S+:5000 registered in the kept ALB's target group/);
    expect(emu.emulator.requests.some((r) => r.action === "DeregisterTargets")).toBe(false);
    const albPost = await runAlbPost(emu, alb, { env: jobEnv });
    expect(albPost.code, describeRun(albPost)).toBe(0);

    // What is kept: the ALB, its listener, target group with healthy targets, security groups and ingress.
    expect(await healthOf(tg)).toEqual(["healthy", "healthy"]);
    const res = await get(`${alb.outputs.url}/healthz`);
    expect(res.status).toBe(200);

    const sweep = await runAlb(emu, { mode: "sweep", "run-id": "4242424242" });
    expect(sweep.code, describeRun(sweep)).toBe(0);
    expect(leftovers(emu)).toEqual({});
  });

  it("register's own keep: true leaves the targets; keep: false deregisters even when ephemeral-alb kept the ALB", async () => {
    const alb = await runAlb(emu, await albInputs({ keep: true, leg: "own-keep" }));
    expect(alb.code, describeRun(alb)).toBe(0);
    const tg = alb.outputs["target-group-arn"] as string;
    try {
      const own = await runRegister(emu, registerInputs(tg, { keep: true }));
      expect(own.code, describeRun(own)).toBe(0);
      expect((await runRegisterPost(emu, own)).code).toBe(0);
      expect(await healthOf(tg)).toEqual(["healthy", "healthy"]);

      const refused = await runRegister(emu, registerInputs(tg, { keep: false }), { env: alb.env });
      expect(refused.code, describeRun(refused)).toBe(0);
      const post = await runRegisterPost(emu, refused, { env: alb.env });
      expect(post.code, describeRun(post)).toBe(0);
      expect(post.stdout).toContain("Deregistered");
    } finally {
      const sweep = await runAlb(emu, { mode: "sweep", "run-id": "4242424242" });
      expect(sweep.code, describeRun(sweep)).toBe(0);
    }
    expect(leftovers(emu)).toEqual({});
  });
});
