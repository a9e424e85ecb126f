import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenerAttributesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  DuplicateListenerException,
  DuplicateLoadBalancerNameException,
  DuplicateTargetGroupNameException,
  ElasticLoadBalancingV2Client,
  InvalidSecurityGroupException,
  InvalidTargetException,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  OperationNotPermittedException,
  RegisterTargetsCommand,
  RemoveTagsCommand,
  ResourceInUseException,
  SubnetNotFoundException,
  TargetGroupNotFoundException,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type SampleApp, startTasks } from "../fixtures/sample-app";
import {
  activeLoadBalancer,
  clients,
  defaultSubnets,
  freePort,
  get,
  httpStack,
  states,
  targetHealth,
  waitFor,
} from "./elbv2-helpers";
import { type RunningEmulator, startEmulator } from "./server";
import { ec2Of } from "./services/ec2";

let emu: RunningEmulator;
let apps: SampleApp[] = [];
const FAST = { elbv2: { provisioningSeconds: 5, registrationSeconds: 1, eniReleaseSeconds: 10 } };

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  apps = await startTasks(2);
});
afterAll(async () => {
  await emu.stop();
  await Promise.all(apps.map((a) => a.stop()));
});
beforeEach(async () => {
  await emu.emulator.reset();
  await emu.emulator.loadScenario(FAST);
});

const ARN = "arn:aws:elasticloadbalancing:us-west-2:123456789012";

describe("ELBv2 load balancers", () => {
  it("provisions, then is active on its own loopback address, with requester-managed ENIs in EC2", async () => {
    const { elb, ec2 } = clients(emu);
    const subnets = await defaultSubnets(ec2);
    const created = (await elb.send(new CreateLoadBalancerCommand({ Name: "alb-smoke-1", Subnets: subnets })))
      .LoadBalancers?.[0];
    expect(created?.State?.Code).toBe("provisioning");
    expect(created?.LoadBalancerArn).toMatch(new RegExp(`^${ARN}:loadbalancer/app/alb-smoke-1/[0-9a-f]{16}$`));
    expect(created?.DNSName).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(created?.AvailabilityZones?.map((z) => z.ZoneName).sort()).toEqual(["us-west-2a", "us-west-2b"]);
    expect(created?.CreatedTime).toBeInstanceOf(Date);
    const lb = await activeLoadBalancer(elb, created?.LoadBalancerArn as string);
    expect(lb.SecurityGroups).toHaveLength(1); // the VPC's default group
    const id = created?.LoadBalancerArn?.split("/").pop();
    const enis = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [
          { Name: "description", Values: [`ELB app/alb-smoke-1/${id}`] },
          { Name: "requester-managed", Values: ["true"] },
        ],
      }),
    );
    expect(enis.NetworkInterfaces).toHaveLength(2);
    expect(enis.NetworkInterfaces?.[0]).toMatchObject({ InterfaceType: "interface", RequesterId: "amazon-elb" });
    expect(emu.emulator.leftovers().elasticloadbalancing).toEqual([
      expect.objectContaining({ type: "load-balancer", name: "alb-smoke-1" }),
    ]);
  });

  it("ends failed when the scenario says so", async () => {
    await emu.emulator.loadScenario({ elbv2: { failProvisioning: ["doomed-*"] } });
    const { elb, ec2 } = clients(emu);
    const arn = (
      await elb.send(new CreateLoadBalancerCommand({ Name: "doomed-1", Subnets: await defaultSubnets(ec2) }))
    ).LoadBalancers?.[0]?.LoadBalancerArn as string;
    const lb = await waitFor(
      async () => (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))).LoadBalancers?.[0],
      (l) => l?.State?.Code !== "provisioning",
    );
    expect(lb?.State?.Code).toBe("failed");
    expect(lb?.State?.Reason).toContain("failProvisioning");
  });

  it("validates names, subnets and security groups as AWS does", async () => {
    const { elb, ec2 } = clients(emu);
    const subnets = await defaultSubnets(ec2);
    for (const name of ["a".repeat(33), "-lead", "trail-", "internal-x", "under_score", ""]) {
      await expect(elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnets }))).rejects.toMatchObject({
        name: "ValidationError",
      });
    }
    expect(await elb.send(new CreateLoadBalancerCommand({ Name: "a".repeat(32), Subnets: subnets }))).toBeDefined();
    await expect(
      elb.send(new CreateLoadBalancerCommand({ Name: "one-az", Subnets: [subnets[0] as string] })),
    ).rejects.toMatchObject({
      name: "ValidationError",
      message: expect.stringContaining("two different Availability Zones"),
    });
    await expect(
      elb.send(
        new CreateLoadBalancerCommand({
          Name: "bad-subnet",
          Subnets: [subnets[0] as string, "subnet-0000000000000000f"],
        }),
      ),
    ).rejects.toBeInstanceOf(SubnetNotFoundException);
    await expect(
      elb.send(
        new CreateLoadBalancerCommand({ Name: "bad-sg", Subnets: subnets, SecurityGroups: ["sg-0000000000000000f"] }),
      ),
    ).rejects.toBeInstanceOf(InvalidSecurityGroupException);
  });

  it("answers an identical create with the same load balancer and a different one with DuplicateLoadBalancerName", async () => {
    const { elb, ec2 } = clients(emu);
    const subnets = await defaultSubnets(ec2);
    const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "alb", Description: "alb" })))
      .GroupId as string;
    const first = await elb.send(new CreateLoadBalancerCommand({ Name: "dup", Subnets: subnets }));
    const again = await elb.send(new CreateLoadBalancerCommand({ Name: "dup", Subnets: subnets }));
    expect(again.LoadBalancers?.[0]?.LoadBalancerArn).toBe(first.LoadBalancers?.[0]?.LoadBalancerArn);
    await expect(
      elb.send(new CreateLoadBalancerCommand({ Name: "dup", Subnets: subnets, SecurityGroups: [sg] })),
    ).rejects.toBeInstanceOf(DuplicateLoadBalancerNameException);
  });

  it("pages DescribeLoadBalancers with PageSize and Marker, and reports unknown names and ARNs", async () => {
    const { elb, ec2 } = clients(emu);
    const subnets = await defaultSubnets(ec2);
    for (const n of ["p1", "p2", "p3"]) await elb.send(new CreateLoadBalancerCommand({ Name: n, Subnets: subnets }));
    const first = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 2 }));
    expect(first.LoadBalancers).toHaveLength(2);
    expect(first.NextMarker).toBeTruthy();
    const second = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 2, Marker: first.NextMarker }));
    expect(second.LoadBalancers?.map((l) => l.LoadBalancerName)).toEqual(["p3"]);
    expect(second.NextMarker).toBeUndefined();
    await expect(elb.send(new DescribeLoadBalancersCommand({ Names: ["nope"] }))).rejects.toBeInstanceOf(
      LoadBalancerNotFoundException,
    );
    await expect(
      elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [`${ARN}:loadbalancer/app/x/0123456789abcdef`] })),
    ).rejects.toBeInstanceOf(LoadBalancerNotFoundException);
    await expect(elb.send(new DescribeLoadBalancersCommand({ PageSize: 401 }))).rejects.toMatchObject({
      name: "ValidationError",
    });
    // A marker is opaque and belongs to its listing: another Describe* refuses it, and so does a made-up one.
    await expect(
      elb.send(new DescribeTargetGroupsCommand({ PageSize: 2, Marker: first.NextMarker })),
    ).rejects.toMatchObject({ name: "ValidationError", message: "The marker is not valid" });
    await expect(
      elb.send(new DescribeLoadBalancersCommand({ Marker: Buffer.from("2").toString("base64url") })),
    ).rejects.toMatchObject({ name: "ValidationError" });
  });

  it("modifies attributes, honours deletion protection, and keeps its ENIs (DependencyViolation) for a while after delete", async () => {
    const { elb, ec2 } = clients(emu);
    const subnets = await defaultSubnets(ec2);
    const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "alb-sg", Description: "alb" })))
      .GroupId as string;
    const arn = (
      await elb.send(new CreateLoadBalancerCommand({ Name: "attrs", Subnets: subnets, SecurityGroups: [sg] }))
    ).LoadBalancers?.[0]?.LoadBalancerArn as string;
    const attrs = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
    expect(attrs.Attributes).toContainEqual({ Key: "idle_timeout.timeout_seconds", Value: "60" });
    const modified = await elb.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: arn,
        Attributes: [{ Key: "deletion_protection.enabled", Value: "true" }],
      }),
    );
    expect(modified.Attributes).toContainEqual({ Key: "deletion_protection.enabled", Value: "true" });
    await expect(
      elb.send(
        new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "no.such", Value: "1" }] }),
      ),
    ).rejects.toMatchObject({ name: "ValidationError" });
    await expect(elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }))).rejects.toBeInstanceOf(
      OperationNotPermittedException,
    );
    await elb.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: arn,
        Attributes: [{ Key: "deletion_protection.enabled", Value: "false" }],
      }),
    );
    // Long enough for the DependencyViolation to be observable: 100 s x 0.01 = 1 s.
    await emu.emulator.loadScenario({ elbv2: { eniReleaseSeconds: 100 } });
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    // "If the load balancer does not exist or has already been deleted, the call succeeds."
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    await expect(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))).rejects.toBeInstanceOf(
      LoadBalancerNotFoundException,
    );
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg }))).rejects.toMatchObject({
      name: "DependencyViolation",
    });
    const enis = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "group-id", Values: [sg] }] }),
    );
    expect(enis.NetworkInterfaces).toHaveLength(2);
    const released = await waitFor(
      async () => {
        try {
          await ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg }));
          return true;
        } catch (error) {
          if ((error as Error).name !== "DependencyViolation") throw error;
          return false;
        }
      },
      (ok) => ok,
      { tries: 100, delayMs: 50 },
    );
    expect(released).toBe(true);
    expect(emu.emulator.leftovers()).toEqual({});
  });
});

describe("ELBv2 target groups", () => {
  const vpc = () => ec2Of(emu.emulator).defaultVpcId() as string;
  const base = () => ({ Protocol: "HTTP" as const, Port: 5000, VpcId: vpc(), TargetType: "ip" as const });

  it("creates with AWS's defaults and ARN, and validates health-check limits", async () => {
    const { elb } = clients(emu);
    const tg = (await elb.send(new CreateTargetGroupCommand({ Name: "tg-1", ...base() }))).TargetGroups?.[0];
    expect(tg?.TargetGroupArn).toMatch(new RegExp(`^${ARN}:targetgroup/tg-1/[0-9a-f]{16}$`));
    expect(tg).toMatchObject({
      HealthCheckPath: "/",
      HealthCheckPort: "traffic-port",
      HealthCheckIntervalSeconds: 30,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 5,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: "200" },
      TargetType: "ip",
      LoadBalancerArns: [],
    });
    const bad: Record<string, unknown>[] = [
      { HealthCheckIntervalSeconds: 4 },
      { HealthCheckIntervalSeconds: 301 },
      { HealthCheckTimeoutSeconds: 1 },
      { HealthCheckTimeoutSeconds: 30, HealthCheckIntervalSeconds: 30 },
      { HealthyThresholdCount: 1 },
      { UnhealthyThresholdCount: 11 },
      { Matcher: { HttpCode: "100" } },
      { Matcher: { HttpCode: "200-500" } },
      { HealthCheckPath: "healthz" },
      { Port: 0 },
    ];
    for (const extra of bad) {
      await expect(
        elb.send(new CreateTargetGroupCommand({ Name: "tg-bad", ...base(), ...extra })),
        JSON.stringify(extra),
      ).rejects.toMatchObject({ name: "ValidationError" });
    }
    await expect(elb.send(new CreateTargetGroupCommand({ Name: "tg_bad", ...base() }))).rejects.toMatchObject({
      name: "ValidationError",
    });
    await expect(
      elb.send(new CreateTargetGroupCommand({ Name: "tg-1", ...base(), Port: 5001 })),
    ).rejects.toBeInstanceOf(DuplicateTargetGroupNameException);
    const same = await elb.send(new CreateTargetGroupCommand({ Name: "tg-1", ...base() }));
    expect(same.TargetGroups?.[0]?.TargetGroupArn).toBe(tg?.TargetGroupArn);
  });

  it("modifies health checks and attributes, pages, and answers TargetGroupNotFound", async () => {
    const { elb } = clients(emu);
    const arns: string[] = [];
    for (const n of ["tg-a", "tg-b", "tg-c"]) {
      arns.push(
        (await elb.send(new CreateTargetGroupCommand({ Name: n, ...base() }))).TargetGroups?.[0]
          ?.TargetGroupArn as string,
      );
    }
    const modified = await elb.send(
      new ModifyTargetGroupCommand({
        TargetGroupArn: arns[0],
        HealthCheckPath: "/healthz",
        Matcher: { HttpCode: "200-399" },
      }),
    );
    expect(modified.TargetGroups?.[0]).toMatchObject({ HealthCheckPath: "/healthz", Matcher: { HttpCode: "200-399" } });
    await expect(
      elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: arns[0], HealthCheckTimeoutSeconds: 40 })),
    ).rejects.toMatchObject({ name: "ValidationError" });
    const attrs = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arns[0] }));
    expect(attrs.Attributes).toContainEqual({ Key: "deregistration_delay.timeout_seconds", Value: "300" });
    const changed = await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: arns[0],
        Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "30" }],
      }),
    );
    expect(changed.Attributes).toContainEqual({ Key: "deregistration_delay.timeout_seconds", Value: "30" });
    await expect(
      elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: arns[0],
          Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "4000" }],
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationError" });
    const page1 = await elb.send(new DescribeTargetGroupsCommand({ PageSize: 2 }));
    const page2 = await elb.send(new DescribeTargetGroupsCommand({ PageSize: 2, Marker: page1.NextMarker }));
    expect([...(page1.TargetGroups ?? []), ...(page2.TargetGroups ?? [])].map((t) => t.TargetGroupName)).toEqual([
      "tg-a",
      "tg-b",
      "tg-c",
    ]);
    expect(
      (await elb.send(new DescribeTargetGroupsCommand({ Names: ["tg-b"] }))).TargetGroups?.[0]?.TargetGroupArn,
    ).toBe(arns[1]);
    await expect(elb.send(new DescribeTargetGroupsCommand({ Names: ["nope"] }))).rejects.toBeInstanceOf(
      TargetGroupNotFoundException,
    );
    await expect(
      elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: `${ARN}:targetgroup/x/0123456789abcdef` })),
    ).rejects.toBeInstanceOf(TargetGroupNotFoundException);
    for (const arn of arns) await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
    expect(emu.emulator.leftovers()).toEqual({});
  });

  it("hides a new registration from DescribeTargetHealth for elbv2.consistencyMs (eventual consistency)", async () => {
    const { elb } = clients(emu);
    await emu.emulator.loadScenario({ elbv2: { consistencyMs: 40_000 } }); // 400 ms at timeScale 0.01
    const arn = (await elb.send(new CreateTargetGroupCommand({ Name: "eventual", ...base() }))).TargetGroups?.[0]
      ?.TargetGroupArn as string;
    const target = { Id: "10.0.0.5", Port: 5000 };
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [target] }));
    const asked = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [target] }));
    expect(asked.TargetHealthDescriptions?.[0]?.TargetHealth?.Reason).toBe("Target.NotRegistered");
    expect(await targetHealth(elb, arn)).toEqual([]);
    let reason: string | undefined = "Target.NotRegistered";
    for (let i = 0; i < 200 && reason === "Target.NotRegistered"; i++) {
      await new Promise((r) => setTimeout(r, 10));
      const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [target] }));
      reason = out.TargetHealthDescriptions?.[0]?.TargetHealth?.Reason;
    }
    expect(reason).toBe("Target.NotInUse");
  });

  it("hides a new load balancer from DescribeLoadBalancers for elbv2.loadBalancerConsistencyMs (eventual consistency)", async () => {
    const { elb, ec2 } = clients(emu);
    await emu.emulator.loadScenario({ elbv2: { loadBalancerConsistencyMs: 40_000 } }); // 400 ms at timeScale 0.01
    const created = await elb.send(
      new CreateLoadBalancerCommand({ Name: "eventual-lb", Subnets: await defaultSubnets(ec2) }),
    );
    const arn = created.LoadBalancers?.[0]?.LoadBalancerArn as string;
    await expect(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))).rejects.toBeInstanceOf(
      LoadBalancerNotFoundException,
    );
    await expect(elb.send(new DescribeLoadBalancersCommand({ Names: ["eventual-lb"] }))).rejects.toBeInstanceOf(
      LoadBalancerNotFoundException,
    );
    const listed = await elb.send(new DescribeLoadBalancersCommand({}));
    expect(listed.LoadBalancers?.map((l) => l.LoadBalancerName)).not.toContain("eventual-lb");
    let seen: string | undefined;
    for (let i = 0; i < 200 && seen === undefined; i++) {
      await new Promise((r) => setTimeout(r, 10));
      seen = await elb
        .send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))
        .then((o) => o.LoadBalancers?.[0]?.LoadBalancerArn)
        .catch(() => undefined);
    }
    expect(seen).toBe(arn);
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
  });

  it("shows targets of a group no listener uses as unused / Target.NotInUse, and refuses bad targets", async () => {
    const { elb } = clients(emu);
    const arn = (await elb.send(new CreateTargetGroupCommand({ Name: "lonely", ...base() }))).TargetGroups?.[0]
      ?.TargetGroupArn as string;
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: "10.0.0.5" }] }));
    const health = await targetHealth(elb, arn);
    expect(health[0]).toMatchObject({
      Target: { Id: "10.0.0.5", Port: 5000 },
      HealthCheckPort: "5000",
      TargetHealth: { State: "unused", Reason: "Target.NotInUse" },
    });
    const notRegistered = await elb.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [{ Id: "10.0.0.9", Port: 5000 }] }),
    );
    expect(notRegistered.TargetHealthDescriptions?.[0]?.TargetHealth).toMatchObject({
      State: "unused",
      Reason: "Target.NotRegistered",
    });
    await expect(
      elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: "i-0123456789abcdef0" }] })),
    ).rejects.toBeInstanceOf(InvalidTargetException);
    await expect(
      elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: "8.8.8.8" }] })),
    ).rejects.toBeInstanceOf(InvalidTargetException);
    await expect(
      elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: "10.0.0.9" }] })),
    ).rejects.toBeInstanceOf(InvalidTargetException);
    // Not in use: deregistration is immediate.
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: "10.0.0.5" }] }));
    expect(await targetHealth(elb, arn)).toEqual([]);
  });
});

describe("ELBv2 listeners and real traffic", () => {
  it("forwards real HTTP round robin to healthy targets, answers 503 without any, 502 on a reset", async () => {
    const s = await httpStack(emu, { name: "rr" });
    // No healthy target yet.
    expect((await get(`${s.url}/healthz`)).status).toBe(503);
    await s.elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: s.tgArn,
        Targets: apps.map((a) => ({ Id: a.address, Port: a.port })),
      }),
    );
    const first = states(await targetHealth(s.elb, s.tgArn));
    expect(first.every((st) => st === "initial" || st === "healthy")).toBe(true);
    const healthy = await waitFor(
      () => targetHealth(s.elb, s.tgArn),
      (d) => states(d).every((st) => st === "healthy"),
    );
    expect(states(healthy)).toEqual(["healthy", "healthy"]);
    await Promise.all(apps.map((a) => a.control({ reset: true })));
    const before = await Promise.all(apps.map(async (a) => (await a.state()).counts["/"] ?? 0));
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await get(`${s.url}/`));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const after = await Promise.all(apps.map(async (a) => (await a.state()).counts["/"] ?? 0));
    expect(after.map((n, i) => n - (before[i] as number))).toEqual([3, 3]);

    const { headers } = JSON.parse(
      (await get(`${s.url}/headers`, 10_000, { "X-Request-Id": "run-1-headers-1" })).body,
    ) as {
      headers: Record<string, string>;
    };
    // Request headers pass through unchanged (the probe's correlation id); the ALB adds its own trace id.
    expect(headers["x-request-id"]).toBe("run-1-headers-1");
    expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-amzn-trace-id"]).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect((await get(`${s.url}/reset`)).status).toBe(502);

    const listeners = await s.elb.send(new DescribeListenersCommand({ LoadBalancerArn: s.lbArn }));
    expect(listeners.Listeners?.[0]).toMatchObject({
      Protocol: "HTTP",
      DefaultActions: [{ Type: "forward", TargetGroupArn: s.tgArn }],
    });
    expect(listeners.Listeners?.[0]?.ListenerArn).toMatch(
      new RegExp(`^${ARN}:listener/app/rr/[0-9a-f]{16}/[0-9a-f]{16}$`),
    );
    const attrs = await s.elb.send(new DescribeListenerAttributesCommand({ ListenerArn: s.listenerArn }));
    expect(attrs.Attributes).toContainEqual({ Key: "routing.http.response.server.enabled", Value: "true" });
    const byLb = await s.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: s.lbArn }));
    expect(byLb.TargetGroups?.map((t) => t.TargetGroupArn)).toEqual([s.tgArn]);
    expect(byLb.TargetGroups?.[0]?.LoadBalancerArns).toEqual([s.lbArn]);
  });

  it("drains deregistered targets for the scaled deregistration delay, then forgets them", async () => {
    const s = await httpStack(emu, { name: "drain" });
    const app = apps[0] as SampleApp;
    await s.elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: s.tgArn,
        Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "100" }], // 1 s here
      }),
    );
    await s.elb.send(
      new RegisterTargetsCommand({ TargetGroupArn: s.tgArn, Targets: [{ Id: app.address, Port: app.port }] }),
    );
    await waitFor(
      () => targetHealth(s.elb, s.tgArn),
      (d) => states(d)[0] === "healthy",
    );
    await s.elb.send(
      new DeregisterTargetsCommand({ TargetGroupArn: s.tgArn, Targets: [{ Id: app.address, Port: app.port }] }),
    );
    const draining = await targetHealth(s.elb, s.tgArn);
    expect(draining[0]?.TargetHealth).toMatchObject({ State: "draining", Reason: "Target.DeregistrationInProgress" });
    expect((await get(`${s.url}/`)).status).toBe(503);
    const gone = await waitFor(
      () => targetHealth(s.elb, s.tgArn),
      (d) => d.length === 0,
    );
    expect(gone).toEqual([]);
  });

  it("times out health checks when the task's security group does not admit the load balancer's", async () => {
    const { ec2 } = clients(emu);
    const albSg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "alb", Description: "alb" })))
      .GroupId as string;
    const taskSg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "task", Description: "task" })))
      .GroupId as string;
    const app = apps[1] as SampleApp;
    const subnet = (await defaultSubnets(ec2))[0] as string;
    ec2Of(emu.emulator).addNetworkInterface({
      subnetId: subnet,
      privateIpAddress: app.address,
      groups: [taskSg],
      description: "arn:aws:ecs:us-west-2:123456789012:attachment/test",
    });
    const s = await httpStack(emu, { name: "blocked", securityGroups: [albSg] });
    await s.elb.send(
      new RegisterTargetsCommand({ TargetGroupArn: s.tgArn, Targets: [{ Id: app.address, Port: app.port }] }),
    );
    const unhealthy = await waitFor(
      () => targetHealth(s.elb, s.tgArn),
      (d) => states(d)[0] === "unhealthy",
    );
    expect(unhealthy[0]?.TargetHealth).toMatchObject({ State: "unhealthy", Reason: "Target.Timeout" });
    expect(unhealthy[0]?.Target?.AvailabilityZone).toBe("us-west-2a");
    // The temporary ingress rule of the smoke workflow fixes it.
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: taskSg,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 5000, ToPort: 5000, UserIdGroupPairs: [{ GroupId: albSg }] }],
      }),
    );
    const healthy = await waitFor(
      () => targetHealth(s.elb, s.tgArn),
      (d) => states(d)[0] === "healthy",
    );
    expect(states(healthy)).toEqual(["healthy"]);
    expect((await get(`${s.url}/healthz`)).status).toBe(200);
  });

  it("refuses duplicate ports, deleting a target group in use, and unknown listeners; deletes cleanly", async () => {
    const s = await httpStack(emu, { name: "del" });
    const port = Number(new URL(s.url).port);
    // CreateListener is idempotent: the same settings again answer with the same listener.
    const again = await s.elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: s.lbArn,
        Protocol: "HTTP",
        Port: port,
        DefaultActions: [{ Type: "forward", TargetGroupArn: s.tgArn }],
      }),
    );
    expect(again.Listeners?.[0]?.ListenerArn).toBe(s.listenerArn);
    await expect(
      s.elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: s.lbArn,
          Protocol: "HTTP",
          Port: port,
          DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "503" } }],
        }),
      ),
    ).rejects.toBeInstanceOf(DuplicateListenerException);
    const fixedPort = await freePort();
    const fixed = await s.elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: s.lbArn,
        Protocol: "HTTP",
        Port: fixedPort,
        DefaultActions: [
          {
            Type: "fixed-response",
            FixedResponseConfig: { StatusCode: "418", ContentType: "text/plain", MessageBody: "teapot" },
          },
        ],
      }),
    );
    const host = new URL(s.url).hostname;
    const teapot = await get(`http://${host}:${fixedPort}/`);
    expect([teapot.status, teapot.body]).toEqual([418, "teapot"]);
    await expect(s.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: s.tgArn }))).rejects.toBeInstanceOf(
      ResourceInUseException,
    );
    await s.elb.send(new DeleteListenerCommand({ ListenerArn: s.listenerArn }));
    await expect(s.elb.send(new DeleteListenerCommand({ ListenerArn: s.listenerArn }))).rejects.toBeInstanceOf(
      ListenerNotFoundException,
    );
    await expect(get(s.url, 2_000)).rejects.toThrow();
    await s.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: s.tgArn }));
    // Deleting the load balancer deletes its remaining listener.
    await s.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: s.lbArn }));
    await expect(
      s.elb.send(new DescribeListenersCommand({ ListenerArns: [fixed.Listeners?.[0]?.ListenerArn as string] })),
    ).rejects.toBeInstanceOf(ListenerNotFoundException);
    expect(emu.emulator.leftovers()).toEqual({});
  });
});

describe("ELBv2 listener that cannot bind", () => {
  it("still creates the listener (as AWS would) and reports the bind failure in the state", async () => {
    const s = await httpStack(emu, { name: "busy" });
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "0.0.0.0", () => resolve()));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const created = await s.elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: s.lbArn,
          Protocol: "HTTP",
          Port: port,
          DefaultActions: [{ Type: "forward", TargetGroupArn: s.tgArn }],
        }),
      );
      expect(created.Listeners?.[0]?.Port).toBe(port);
      const state = emu.emulator.state().elasticloadbalancing as {
        loadBalancers: { Listeners: { Port: number; Listening: boolean; BindError?: string }[] }[];
      };
      const listener = state.loadBalancers[0]?.Listeners.find((l) => l.Port === port);
      expect(listener).toMatchObject({ Listening: false, BindError: expect.stringContaining("EADDRINUSE") });
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});

describe("ELBv2 tags", () => {
  it("adds, describes and removes tags on load balancers, target groups and listeners", async () => {
    const s = await httpStack(emu, { name: "tags" });
    await s.elb.send(
      new AddTagsCommand({
        ResourceArns: [s.lbArn, s.tgArn, s.listenerArn],
        Tags: [
          { Key: "alb-smoke:run", Value: "42" },
          { Key: "team", Value: "papyrus" },
        ],
      }),
    );
    await s.elb.send(new RemoveTagsCommand({ ResourceArns: [s.tgArn], TagKeys: ["team"] }));
    const tags = await s.elb.send(new DescribeTagsCommand({ ResourceArns: [s.lbArn, s.tgArn, s.listenerArn] }));
    expect(tags.TagDescriptions?.map((d) => d.Tags?.length)).toEqual([2, 1, 2]);
    await expect(
      s.elb.send(
        new AddTagsCommand({
          ResourceArns: [s.lbArn],
          Tags: [
            { Key: "a", Value: "1" },
            { Key: "a", Value: "2" },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: "DuplicateTagKeysException" });
    await expect(
      s.elb.send(new DescribeTagsCommand({ ResourceArns: [`${ARN}:loadbalancer/app/x/0123456789abcdef`] })),
    ).rejects.toBeInstanceOf(LoadBalancerNotFoundException);
  });
});

describe("ELBv2 and EC2 under enforcement", () => {
  it("forms AWS's resource ARNs, and a create with tags also needs AddTags / CreateTags (nothing is created on deny)", async () => {
    const key = "AKIACIROLE0000000009";
    const role = "arn:aws:iam::123456789012:role/alb-smoke-ci";
    const statement = (Action: string[], Resource: string) => ({ Effect: "Allow", Action, Resource });
    await emu.emulator.loadScenario({
      principals: { [key]: role },
      iam: {
        roles: [
          {
            name: "alb-smoke-ci",
            trustPolicy: { Version: "2012-10-17", Statement: [] },
            inlinePolicies: {
              smoke: {
                Version: "2012-10-17",
                Statement: [
                  statement(["elasticloadbalancing:Describe*", "ec2:Describe*"], "*"),
                  statement(
                    ["elasticloadbalancing:CreateLoadBalancer"],
                    "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/alb-smoke-*",
                  ),
                  statement(["ec2:CreateSecurityGroup"], "*"),
                ],
              },
            },
          },
        ],
      },
    });
    emu.emulator.enforce = true;
    try {
      const { ec2: adminEc2 } = clients(emu);
      const subnets = await defaultSubnets(adminEc2);
      const base = { endpoint: emu.endpoint, region: "us-west-2", maxAttempts: 1 };
      const credentials = { accessKeyId: key, secretAccessKey: "x" };
      const elb = new ElasticLoadBalancingV2Client({ ...base, credentials });
      const ec2 = new EC2Client({ ...base, credentials });
      // Outside the allowed name pattern: AccessDenied naming the ARN it would have had.
      await expect(elb.send(new CreateLoadBalancerCommand({ Name: "other", Subnets: subnets }))).rejects.toMatchObject({
        name: "AccessDenied",
        message: expect.stringMatching(/loadbalancer\/app\/other\/[0-9a-f]{16}$/),
      });
      // Allowed name, but tags need elasticloadbalancing:AddTags too.
      await expect(
        elb.send(
          new CreateLoadBalancerCommand({ Name: "alb-smoke-9", Subnets: subnets, Tags: [{ Key: "run", Value: "9" }] }),
        ),
      ).rejects.toMatchObject({
        name: "AccessDenied",
        message: expect.stringContaining("elasticloadbalancing:AddTags"),
      });
      await expect(
        ec2.send(
          new CreateSecurityGroupCommand({
            GroupName: "alb-smoke-9",
            Description: "x",
            TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "run", Value: "9" }] }],
          }),
        ),
      ).rejects.toMatchObject({ name: "UnauthorizedOperation", message: expect.stringContaining("ec2:CreateTags") });
      // The account's first load balancer makes ELB create its service-linked role, as the caller.
      await expect(
        elb.send(new CreateLoadBalancerCommand({ Name: "alb-smoke-9", Subnets: subnets })),
      ).rejects.toMatchObject({
        name: "AccessDenied",
        message: expect.stringMatching(
          /iam:CreateServiceLinkedRole on resource: arn:aws:iam::123456789012:role\/aws-service-role\/elasticloadbalancing\.amazonaws\.com\/AWSServiceRoleForElasticLoadBalancing$/,
        ),
      });
      expect(emu.emulator.leftovers()).toEqual({});
      const slr = {
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource: "*",
        Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
      };
      const withStatements = (...extra: unknown[]) =>
        emu.emulator.loadScenario({
          iam: {
            roles: [
              {
                name: "alb-smoke-ci",
                trustPolicy: { Version: "2012-10-17", Statement: [] },
                inlinePolicies: {
                  smoke: {
                    Version: "2012-10-17",
                    Statement: [
                      statement(["elasticloadbalancing:Describe*", "ec2:Describe*"], "*"),
                      statement(
                        ["elasticloadbalancing:CreateLoadBalancer"],
                        "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/alb-smoke-*",
                      ),
                      slr,
                      ...extra,
                    ],
                  },
                },
              },
            ],
          },
        });
      await withStatements(
        statement(["elasticloadbalancing:CreateListener"], "arn:aws:elasticloadbalancing:*:*:listener/app/*"),
      );
      const lb = await elb.send(new CreateLoadBalancerCommand({ Name: "alb-smoke-9", Subnets: subnets }));
      expect(lb.LoadBalancers?.[0]?.LoadBalancerName).toBe("alb-smoke-9");
      const lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn as string;
      const { elb: adminElb } = clients(emu);
      const tg = await adminElb.send(
        new CreateTargetGroupCommand({
          Name: "alb-smoke-9-tg",
          Protocol: "HTTP",
          Port: 5000,
          VpcId: lb.LoadBalancers?.[0]?.VpcId,
          TargetType: "ip",
        }),
      );
      const listener = {
        LoadBalancerArn: lbArn,
        Protocol: "HTTP" as const,
        Port: await freePort(),
        DefaultActions: [{ Type: "forward" as const, TargetGroupArn: tg.TargetGroups?.[0]?.TargetGroupArn }],
      };
      // CreateListener is authorized on the load balancer's ARN (Service Authorization Reference).
      await expect(elb.send(new CreateListenerCommand(listener))).rejects.toMatchObject({
        name: "AccessDenied",
        message: expect.stringContaining(`elasticloadbalancing:CreateListener on resource: ${lbArn}`),
      });
      await withStatements(
        statement(
          ["elasticloadbalancing:CreateListener"],
          "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/alb-smoke-*",
        ),
      );
      const created = await elb.send(new CreateListenerCommand(listener));
      expect(created.Listeners?.[0]?.LoadBalancerArn).toBe(lbArn);
      await adminElb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
      await adminElb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroups?.[0]?.TargetGroupArn }));
    } finally {
      emu.emulator.enforce = false;
    }
  });
});
