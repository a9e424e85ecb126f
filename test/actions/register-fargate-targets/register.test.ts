import {
  AuthorizeSecurityGroupIngressCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client, RegisterTargetsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator/server";
import { type SampleApp, startTasks } from "../../fixtures/sample-app";
import { errors, type RunResult } from "../../harness/runner";
import {
  albInputs,
  CLUSTER,
  describeRun,
  emulatorFor,
  inProcess,
  leftovers,
  OLD,
  PRIMARY,
  REGION,
  registerInputs,
  SUBNET_C,
  scenario,
  TASK_SG,
  type TaskSpec,
  taskSpecs,
} from "../ephemeral-alb/cycle";
import { QUICK_ELB } from "./quick-elb";

// Behaviour, so every step runs in process; the bundles' own smoke test is overlap.test.ts's first cycle.
const { runAlb, runAlbPost, runRegister, runRegisterPost } = inProcess;

interface EcsRuntime {
  setTaskState(cluster: string, task: string, patch: Record<string, unknown>): void;
}

/** Replaces the service's tasks (the cluster is re-seeded; the ALB stays). */
async function useTasks(emu: RunningEmulator, tasks: TaskSpec[], deployments?: unknown[]) {
  const s = scenario({ tasks, ...(deployments ? { deployments } : {}) });
  await emu.emulator.loadScenario({ ecs: { clusters: s.ecs.clusters } });
}

function calls(emu: RunningEmulator, action: string, since: number): number {
  return emu.emulator.requests.filter((r) => r.seq > since && r.action === action && r.status === 200).length;
}

function lastSeq(emu: RunningEmulator): number {
  return emu.emulator.requests.at(-1)?.seq ?? 0;
}

describe("register-fargate-targets against the emulator", () => {
  let apps: SampleApp[] = [];
  let broken: SampleApp;
  let emu: RunningEmulator;
  let alb: RunResult;
  let tg: string;

  beforeAll(async () => {
    apps = await startTasks(2);
    [broken] = (await startTasks(1, { settings: { healthzStatus: 404 } })) as [SampleApp];
    emu = await emulatorFor(scenario({ tasks: taskSpecs(apps), extra: { elbv2: QUICK_ELB } }));
    alb = await runAlb(emu, await albInputs());
    expect(alb.code, describeRun(alb)).toBe(0);
    tg = alb.outputs["target-group-arn"] as string;
  });
  afterAll(async () => {
    if (alb) {
      const post = await runAlbPost(emu, alb);
      expect(post.code, describeRun(post)).toBe(0);
      expect(leftovers(emu)).toEqual({});
    }
    await emu?.stop();
    await Promise.all([...apps, broken].filter(Boolean).map((a) => a.stop()));
  });

  async function registerAndDeregister(inputs: Record<string, string | number | boolean> = {}) {
    const reg = await runRegister(emu, registerInputs(tg, inputs));
    const post = await runRegisterPost(emu, reg);
    expect(post.code, describeRun(post)).toBe(0);
    return reg;
  }

  it("ignores PENDING and STOPPED tasks", async () => {
    const [a, b] = apps as [SampleApp, SampleApp];
    await useTasks(emu, [
      { ip: a.address, port: 5000 },
      { ip: b.address, port: 5000 },
      { ip: "127.77.0.30", lastStatus: "PENDING" },
      { ip: "127.77.0.40", lastStatus: "STOPPED", exitCode: 3, stoppedReason: "Essential container in task exited" },
    ]);
    const reg = await registerAndDeregister();
    expect(reg.code, describeRun(reg)).toBe(0);
    expect(reg.outputs["target-count"]).toBe("2");
    const ids = (JSON.parse(reg.outputs.targets ?? "[]") as { id: string }[]).map((t) => t.id).sort();
    expect(ids).toEqual([a.address, b.address].sort());
    expect(reg.stdout).toMatch(/Ignoring .*lastStatus is PENDING/);
  });

  it("registers only the PRIMARY deployment's tasks while two deployments are in flight (or both when asked)", async () => {
    const [a, b] = apps as [SampleApp, SampleApp];
    await useTasks(
      emu,
      [
        { ip: a.address, port: 5000, deploymentId: PRIMARY },
        { ip: b.address, port: 5000, deploymentId: OLD },
      ],
      [
        { id: PRIMARY, status: "PRIMARY", taskDefinition: "papyrus-task:2", rolloutState: "IN_PROGRESS" },
        { id: OLD, status: "ACTIVE", taskDefinition: "papyrus-task:1", rolloutState: "COMPLETED" },
      ],
    );
    const primaryOnly = await registerAndDeregister();
    expect(primaryOnly.code, describeRun(primaryOnly)).toBe(0);
    const targets = JSON.parse(primaryOnly.outputs.targets ?? "[]") as { id: string; deployment: string }[];
    expect(targets).toEqual([expect.objectContaining({ id: a.address, deployment: PRIMARY })]);

    const both = await registerAndDeregister({ "only-primary-deployment": false });
    expect(both.code, describeRun(both)).toBe(0);
    expect(both.outputs["target-count"]).toBe("2");
  });

  it("pages ListTasks and describes more than 100 tasks in chunks of 100", async () => {
    await useTasks(emu, [{ ip: "127.99.0.1", count: 150 }]);
    const since = lastSeq(emu);
    const reg = await registerAndDeregister({ wait: false });
    expect(reg.code, describeRun(reg)).toBe(0);
    expect(reg.outputs["target-count"]).toBe("150");
    expect(calls(emu, "ListTasks", since)).toBe(2);
    const describes = emu.emulator.requests.filter((r) => r.seq > since && r.action === "DescribeTasks");
    expect(describes.map((r) => (r.params.tasks as unknown[]).length)).toEqual([100, 50]);
    expect(calls(emu, "RegisterTargets", since)).toBe(1);
  });

  it("still registers and waits with throttling on every operation", async () => {
    await useTasks(emu, taskSpecs(apps));
    const actions: [string, string][] = [
      ...["DescribeServices", "ListTasks", "DescribeTasks", "DescribeTaskDefinition"].map(
        (a) => ["ecs", a] as [string, string],
      ),
      ...[
        "DescribeTargetGroups",
        "DescribeLoadBalancers",
        "RegisterTargets",
        "DescribeTargetHealth",
        "DeregisterTargets",
      ].map((a) => ["elasticloadbalancing", a] as [string, string]),
    ];
    emu.emulator.faults.configure({
      seed: 11,
      rules: [
        // Every operation's first call is throttled, then a third of all calls.
        ...actions.map(([service, action]) => ({
          service,
          action,
          failNth: { n: 1, code: service === "ecs" ? "ThrottlingException" : "Throttling", status: 400 },
        })),
        { service: "ecs", throttleRate: 0.3 },
        { service: "elasticloadbalancing", throttleRate: 0.3 },
      ],
    });
    const since = lastSeq(emu);
    try {
      const reg = await registerAndDeregister();
      expect(reg.code, describeRun(reg)).toBe(0);
      expect(reg.outputs.healthy).toBe("true");
      const throttled = new Set(
        emu.emulator.requests.filter((r) => r.seq > since && /Throttling/.test(r.code ?? "")).map((r) => r.action),
      );
      expect([...throttled].sort()).toEqual(actions.map(([, a]) => a).sort());
    } finally {
      emu.emulator.faults.configure({ rules: [] });
    }
  });

  it("fails fast on a broken /healthz with the reason code and a hint", async () => {
    await useTasks(emu, [{ ip: broken.address, port: 5000 }]);
    const since = lastSeq(emu);
    const reg = await registerAndDeregister({ "timeout-seconds": 600 });
    expect(reg.code).toBe(1);
    const message = errors(reg).join("\n");
    expect(message).toContain("cannot become healthy");
    expect(message).not.toContain("Timed out");
    expect(message).toContain("Target.ResponseCodeMismatch");
    expect(message).toContain("GET /healthz returned 404 — does the app serve the health-check path?");
    expect(message).toMatch(/Health check: HTTP GET \/healthz on the traffic port, matcher 200-399/);
    expect(message).toContain("admit the ALB security group");
    expect(reg.outputs.healthy).toBe("false");
    // A handful of polls, not ten minutes of them.
    expect(calls(emu, "DescribeTargetHealth", since)).toBeLessThan(40);
  });

  it("waits out ELB's eventual consistency: Target.NotRegistered right after RegisterTargets is not fatal", async () => {
    await useTasks(emu, taskSpecs(apps));
    // Registrations stay invisible to DescribeTargetHealth for 1.5 s (150 s x timeScale 0.01).
    await emu.emulator.loadScenario({ elbv2: { consistencyMs: 150_000 } });
    try {
      const reg = await registerAndDeregister();
      expect(reg.code, describeRun(reg)).toBe(0);
      expect(reg.outputs.healthy).toBe("true");
    } finally {
      await emu.emulator.loadScenario({ elbv2: { consistencyMs: 0 } });
    }
  });

  it("names the Availability Zone the load balancer does not enable when a task is Target.NotInUse there", async () => {
    const [a] = apps as [SampleApp];
    await useTasks(emu, [{ ip: a.address, port: 5000, subnetId: SUBNET_C }]);
    const reg = await registerAndDeregister({ "timeout-seconds": 600 });
    expect(reg.code).toBe(1);
    const message = errors(reg).join("\n");
    expect(message).toContain("(Target.NotInUse)");
    expect(message).toContain("Availability Zones: the load balancer enables us-west-2a, us-west-2b;");
    expect(message).toContain(
      `Hint: ${a.address}:5000 is in us-west-2c, which the load balancer does not enable (it has us-west-2a, us-west-2b) — add a subnet of us-west-2c to ephemeral-alb's 'subnet-ids'`,
    );
    expect(message).not.toContain("not used by any listener");
  });

  it("refuses tasks in another VPC than the target group's before registering anything, naming both", async () => {
    const [a] = apps as [SampleApp];
    await emu.emulator.loadScenario({
      ec2: {
        vpcs: [{ id: "vpc-0e0e0e0e0e0e0e0e0", cidr: "10.9.0.0/16" }],
        subnets: [
          {
            id: "subnet-0e0e0e0e0e0e0e0e0",
            vpcId: "vpc-0e0e0e0e0e0e0e0e0",
            cidr: "10.9.1.0/24",
            availabilityZone: "us-west-2a",
          },
        ],
      },
    });
    await useTasks(emu, [{ ip: a.address, port: 5000, subnetId: "subnet-0e0e0e0e0e0e0e0e0" }]);
    const since = lastSeq(emu);
    const reg = await registerAndDeregister();
    expect(reg.code).toBe(1);
    const message = errors(reg).join("\n");
    expect(message).toMatch(
      /^Target group \S+ is in vpc-\w+, but 1 of the 1 task\(s\) run in vpc-0e0e0e0e0e0e0e0e0 \(task \w+ in subnet-0e0e0e0e0e0e0e0e0\)\. Nothing was registered/,
    );
    expect(calls(emu, "RegisterTargets", since)).toBe(0);
    // The emulator refuses such an address as ELB does (no Availability Zone for an IP outside the VPC).
    const elb = new ElasticLoadBalancingV2Client({
      endpoint: emu.endpoint,
      region: REGION,
      credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
    });
    await expect(
      elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: a.address, Port: 5000 }] })),
    ).rejects.toMatchObject({ name: "ValidationError", message: expect.stringMatching(/outside the VPC/) });
  });

  it("reports a stopped task with its stoppedReason and exit code", async () => {
    const [a] = apps as [SampleApp];
    await useTasks(emu, [{ ip: a.address, port: 5000 }]);
    await a.control({ healthzStatus: 503 });
    const ecs = emu.emulator.service("ecs") as unknown as EcsRuntime;
    // Stop the task once it is registered (bounded: at most 30 s of 20 ms checks).
    const since = lastSeq(emu);
    let stopped = false;
    const watcher = (async () => {
      for (let i = 0; i < 1500 && !stopped; i++) {
        if (calls(emu, "RegisterTargets", since) > 0) {
          ecs.setTaskState(CLUSTER, a.address, {
            lastStatus: "STOPPED",
            exitCode: 3,
            stoppedReason: "Essential container in task exited",
          });
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const reg = await registerAndDeregister({ "timeout-seconds": 600 });
      expect(reg.code).toBe(1);
      const message = errors(reg).join("\n");
      expect(message).toMatch(
        /task .* is (STOPPED|DEACTIVATING|STOPPING): Essential container in task exited; web exit code 3/,
      );
      expect(message).toMatch(/Hint: A task stopped/);
    } finally {
      stopped = true;
      await watcher;
      await a.control({ reset: true });
    }
  });

  it("fails with a clear error and registers nothing when the service has no running task", async () => {
    await useTasks(emu, [
      { ip: "127.77.0.30", lastStatus: "PENDING" },
      { ip: "127.77.0.40", lastStatus: "STOPPED" },
    ]);
    const since = lastSeq(emu);
    const reg = await registerAndDeregister();
    expect(reg.code).toBe(1);
    expect(errors(reg).join("\n")).toMatch(
      /Expected at least 1 RUNNING task\(s\) with an attached ENI for service 'papyrus-task-service' in cluster 'papyrus', found 0 .*Nothing was registered/,
    );
    expect(calls(emu, "RegisterTargets", since)).toBe(0);
  });

  it("refuses an unknown cluster and an invalid target group ARN, naming the input", async () => {
    const since = lastSeq(emu);
    const unknown = await runRegister(emu, registerInputs(tg, { cluster: "no-such-cluster" }));
    expect(unknown.code).toBe(1);
    expect(errors(unknown).join("\n")).toMatch(
      /^Input 'cluster': cluster 'no-such-cluster' was not found in us-west-2/,
    );
    const badArn = await runRegister(
      emu,
      registerInputs("arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/x/1"),
    );
    expect(badArn.code).toBe(1);
    expect(errors(badArn).join("\n")).toMatch(/^Input 'target-group-arn': .* is not a valid ARN/);
    expect(calls(emu, "RegisterTargets", since)).toBe(0);
  });
});

describe("register-fargate-targets: a task security group without the ALB's ingress", () => {
  let apps: SampleApp[] = [];
  let emu: RunningEmulator;
  beforeAll(async () => {
    apps = await startTasks(1);
    emu = await emulatorFor(scenario({ tasks: taskSpecs(apps), extra: { elbv2: QUICK_ELB } }));
  });
  afterAll(async () => {
    await emu?.stop();
    await Promise.all(apps.map((a) => a.stop()));
  });

  it("times out health checks, and the diagnosis says the task security group does not admit the ALB", async () => {
    const alb = await runAlb(emu, await albInputs({ "task-security-group-id": "" }));
    expect(alb.code, describeRun(alb)).toBe(0);
    try {
      const reg = await runRegister(
        emu,
        registerInputs(alb.outputs["target-group-arn"] as string, { "timeout-seconds": 600 }),
      );
      expect(reg.code).toBe(1);
      const message = errors(reg).join("\n");
      expect(message).toContain("Target.Timeout");
      expect(message).toMatch(/do NOT admit the ALB security group\(s\) sg-[0-9a-f]+ on tcp\/5000/);
      expect(message).toContain("Hint: The task security group does not admit the ALB security group on tcp/5000");
      await runRegisterPost(emu, reg);
    } finally {
      const post = await runAlbPost(emu, alb);
      expect(post.code, describeRun(post)).toBe(0);
    }
    expect(leftovers(emu)).toEqual({});
  });

  it("counts a VPC-CIDR rule as admitting the ALB (its nodes connect from the ALB subnets)", async () => {
    const [app] = apps as [SampleApp];
    const ec2 = new EC2Client({
      endpoint: emu.endpoint,
      region: REGION,
      credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
    });
    const rule = { IpProtocol: "tcp", FromPort: 5000, ToPort: 5000, IpRanges: [{ CidrIp: "10.0.0.0/16" }] };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: TASK_SG, IpPermissions: [rule] }));
    await app.control({ healthzStatus: 404 });
    const alb = await runAlb(emu, await albInputs({ "task-security-group-id": "" }));
    expect(alb.code, describeRun(alb)).toBe(0);
    try {
      const reg = await runRegister(
        emu,
        registerInputs(alb.outputs["target-group-arn"] as string, { "timeout-seconds": 600 }),
      );
      expect(reg.code).toBe(1);
      const message = errors(reg).join("\n");
      expect(message).toContain("Target.ResponseCodeMismatch");
      expect(message).toMatch(
        /the task security group\(s\) sg-[0-9a-f]+ admit the ALB security group\(s\) sg-[0-9a-f]+ on tcp\/5000 \(a rule for 10\.0\.0\.0\/16, which covers the ALB subnets 10\.0\.1\.0\/24, 10\.0\.2\.0\/24\)/,
      );
      expect(message).not.toContain("do NOT admit");
      await runRegisterPost(emu, reg);
    } finally {
      await app.control({ reset: true });
      await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: TASK_SG, IpPermissions: [rule] }));
      const post = await runAlbPost(emu, alb);
      expect(post.code, describeRun(post)).toBe(0);
    }
    expect(leftovers(emu)).toEqual({});
  });
});
