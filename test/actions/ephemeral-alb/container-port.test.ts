import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator/server";
import { type SampleApp, startTasks } from "../../fixtures/sample-app";
import { errors } from "../../harness/runner";
import {
  albInputs,
  CLUSTER,
  describeRun,
  emulatorFor,
  inProcess,
  leftovers,
  registerInputs,
  SERVICE,
  scenario,
  TASK_SG,
  taskSpecs,
} from "./cycle";

/** Behaviour tests: the steps run in this process (test/harness/in-process.ts). */
const { runAlb, runAlbPost, runRegister, runRegisterPost } = inProcess;

interface Ec2State {
  ec2: { securityGroups: { id: string; rules: { fromPort: number; toPort: number }[] }[] };
}

function sinceRequests(emu: RunningEmulator, before: number) {
  return emu.emulator.requests.slice(before).map((r) => r.action);
}

/** An app that listens on 8080, not the 5000 ephemeral-alb used to assume. */
describe("container port: ephemeral-alb and register-fargate-targets agree", () => {
  let apps: SampleApp[] = [];
  let emu: RunningEmulator;
  beforeAll(async () => {
    apps = await startTasks(2, { port: 8080 });
    emu = await emulatorFor(scenario({ tasks: taskSpecs(apps), containerPort: 8080 }));
  });
  afterAll(async () => {
    await emu?.stop();
    await Promise.all(apps.map((a) => a.stop()));
  });

  it("with cluster/service, ephemeral-alb takes 8080 from the task definition, says so, and the targets get healthy", async () => {
    const alb = await runAlb(emu, await albInputs({ cluster: CLUSTER, service: SERVICE }));
    try {
      expect(alb.code, describeRun(alb)).toBe(0);
      const resources = JSON.parse(alb.outputs.resources ?? "{}");
      expect(resources.targetGroup.port).toBe(8080);
      expect(resources.targetGroup.portSource).toBe(
        `from task definition papyrus-task:2, container 'web' (service '${SERVICE}' in cluster '${CLUSTER}')`,
      );
      expect(resources.taskIngress.port).toBe(8080);
      expect(alb.stdout).toContain("Container port 8080: from task definition papyrus-task:2, container 'web'");
      expect(alb.summary).toMatch(/\| Container port \| `8080 \(from task definition papyrus-task:2, container 'web'/);
      const sg = (emu.emulator.state() as unknown as Ec2State).ec2.securityGroups.find((g) => g.id === TASK_SG);
      expect(sg?.rules.some((r) => r.fromPort === 8080 && r.toPort === 8080)).toBe(true);

      const reg = await runRegister(emu, registerInputs(alb.outputs["target-group-arn"] as string));
      expect(reg.code, describeRun(reg)).toBe(0);
      expect(JSON.parse(reg.outputs.targets ?? "[]").map((t: { port: number }) => t.port)).toEqual([8080, 8080]);
      expect((await runRegisterPost(emu, reg)).code).toBe(0);
    } finally {
      expect((await runAlbPost(emu, alb)).code).toBe(0);
    }
    expect(leftovers(emu)).toEqual({});
  });

  it("bad input: a target group on 5000 and tasks on 8080 fail register fast, naming both ports, registering nothing", async () => {
    // No cluster/service: ephemeral-alb keeps its 5000 default.
    const alb = await runAlb(emu, await albInputs());
    try {
      expect(alb.code, describeRun(alb)).toBe(0);
      expect(alb.stdout).toContain("Container port 5000: the default (no cluster/service given).");
      const before = emu.emulator.requests.length;
      const reg = await runRegister(emu, registerInputs(alb.outputs["target-group-arn"] as string));
      expect(reg.code, describeRun(reg)).toBe(1);
      const message = errors(reg).join("\n");
      expect(message).toMatch(/uses port 5000, but the tasks listen on 8080 \(task definition papyrus-task:2\)/);
      expect(message).toContain("set its 'container-port' to 8080");
      expect(message).not.toContain("Target.Timeout\n");
      expect(message).not.toMatch(/\n\s+at /);
      expect(sinceRequests(emu, before)).not.toContain("RegisterTargets");
      expect(sinceRequests(emu, before)).not.toContain("DescribeTargetHealth");
      expect(reg.state).toEqual({});
      expect((await runRegisterPost(emu, reg)).code).toBe(0);
    } finally {
      expect((await runAlbPost(emu, alb)).code).toBe(0);
    }
    expect(leftovers(emu)).toEqual({});
  });

  it("bad input: container-port 5000 against the service's 8080 fails ephemeral-alb before anything is created", async () => {
    const before = emu.emulator.requests.length;
    const alb = await runAlb(emu, await albInputs({ cluster: CLUSTER, service: SERVICE, "container-port": 5000 }));
    expect(alb.code, describeRun(alb)).toBe(1);
    expect(errors(alb).join("\n")).toMatch(
      /^Input 'container-port': is 5000, but the service's task definition papyrus-task:2 \(container 'web'\) listens on 8080: .* Remove 'container-port' \(the task definition's 8080 is used\), or set it to 8080\.$/,
    );
    expect(sinceRequests(emu, before)).toEqual(["DescribeServices", "DescribeTaskDefinition"]);
    expect(leftovers(emu)).toEqual({});
  });

  it("bad input: a service without its cluster, or one that does not exist, fails before anything is created", async () => {
    const before = emu.emulator.requests.length;
    const lone = await runAlb(emu, await albInputs({ service: SERVICE }));
    expect(lone.code, describeRun(lone)).toBe(1);
    expect(errors(lone).join("\n")).toMatch(/^Input 'cluster': is required with 'service'/);
    expect(emu.emulator.requests.length).toBe(before);

    const missing = await runAlb(emu, await albInputs({ cluster: CLUSTER, service: "no-such-service" }));
    expect(missing.code, describeRun(missing)).toBe(1);
    expect(errors(missing).join("\n")).toMatch(/^Input 'service': service 'no-such-service' was not found in cluster/);
    expect(sinceRequests(emu, before)).toEqual(["DescribeServices"]);
    expect(leftovers(emu)).toEqual({});
  });
});
