/**
 * Fidelity against an independent client: the AWS CLI (Python/botocore, its
 * own serializers and waiters) drives the whole smoke flow through
 * --endpoint-url, and real HTTP goes through the load balancer to a real
 * sample-app process.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SampleApp, startSampleApp } from "../fixtures/sample-app";
import { AWS_CLI_MISSING, awsCliVersion, runAwsCli } from "./awscli";
import { freePort, get, waitFor } from "./elbv2-helpers";
import { type RunningEmulator, startEmulator } from "./server";
import { ec2Of } from "./services/ec2";

let emu: RunningEmulator;
let app: SampleApp;

beforeAll(async () => {
  emu = await startEmulator({
    timeScale: 0.01,
    // Everything the CLI waits for is over long before its first poll (a waiter sleeps 15 s between polls).
    scenario: { elbv2: { provisioningSeconds: 10, registrationSeconds: 1, eniReleaseSeconds: 50 } },
  });
  app = await startSampleApp();
});
afterAll(async () => {
  await emu?.stop();
  await app?.stop();
});

/** Runs `aws <args>` against the emulator and parses its JSON output. */
async function aws(...args: string[]): Promise<Record<string, unknown>> {
  const r = await runAwsCli(emu.endpoint, args);
  if (r.code !== 0) throw new Error(`aws ${args.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
}

describe("AWS CLI against the emulator", () => {
  it("is installed (CI installs Debian's awscli)", () => {
    if (!awsCliVersion) throw new Error(AWS_CLI_MISSING);
    expect(awsCliVersion).toMatch(/^aws-cli\/[12]\./);
  });

  it("drives the smoke flow: SG, target group, ALB, listener, register, wait target-in-service, HTTP through the ALB, delete all", async () => {
    if (!awsCliVersion) throw new Error(AWS_CLI_MISSING);
    // The ECS task the app stands for: its ENI carries a task security group that does not admit the ALB yet.
    const vpcId = ec2Of(emu.emulator).defaultVpcId() as string;
    const subnetsOut = (await aws("ec2", "describe-subnets", "--filters", `Name=vpc-id,Values=${vpcId}`)) as {
      Subnets: { SubnetId: string; AvailabilityZone: string }[];
    };
    const subnets = subnetsOut.Subnets.map((s) => s.SubnetId);
    expect(subnets).toHaveLength(2);
    const taskSg = "sg-0feedfacecafe0001";
    await emu.emulator.loadScenario({ ec2: { securityGroups: [{ id: taskSg, name: "papyrus-task" }] } });
    ec2Of(emu.emulator).addNetworkInterface({
      subnetId: subnets[0] as string,
      privateIpAddress: app.address,
      groups: [taskSg],
      description: "arn:aws:ecs:us-west-2:123456789012:attachment/cli-test",
    });

    const albSg = (
      await aws(
        "ec2",
        "create-security-group",
        "--group-name",
        "alb-smoke-cli",
        "--description",
        "alb-smoke temporary ALB",
        "--vpc-id",
        vpcId,
        "--tag-specifications",
        "ResourceType=security-group,Tags=[{Key=Purpose,Value=alb-smoke}]",
      )
    ).GroupId as string;
    expect(albSg).toMatch(/^sg-/);
    // Independent calls run concurrently: each CLI process takes about a second to start.
    const [ingressOut, tgOut, lbOut] = await Promise.all([
      aws(
        "ec2",
        "authorize-security-group-ingress",
        "--group-id",
        taskSg,
        "--ip-permissions",
        JSON.stringify([
          {
            IpProtocol: "tcp",
            FromPort: 5000,
            ToPort: 5000,
            UserIdGroupPairs: [{ GroupId: albSg, Description: "alb-smoke" }],
          },
        ]),
      ),
      aws(
        "elbv2",
        "create-target-group",
        "--name",
        "alb-smoke-cli-tg",
        "--protocol",
        "HTTP",
        "--port",
        "5000",
        "--vpc-id",
        vpcId,
        "--target-type",
        "ip",
        "--health-check-path",
        "/healthz",
        "--health-check-interval-seconds",
        "5",
        "--health-check-timeout-seconds",
        "2",
        "--healthy-threshold-count",
        "2",
        "--matcher",
        "HttpCode=200-399",
      ),
      aws(
        "elbv2",
        "create-load-balancer",
        "--name",
        "alb-smoke-cli",
        "--subnets",
        ...subnets,
        "--security-groups",
        albSg,
      ),
    ]);
    const ingress = ingressOut as { Return: boolean; SecurityGroupRules: { SecurityGroupRuleId: string }[] };
    expect(ingress.Return).toBe(true);
    const tg = (tgOut as { TargetGroups: { TargetGroupArn: string }[] }).TargetGroups[0]?.TargetGroupArn as string;
    const lb = (lbOut as { LoadBalancers: { LoadBalancerArn: string; DNSName: string }[] }).LoadBalancers[0] as {
      LoadBalancerArn: string;
      DNSName: string;
    };
    const port = await freePort();
    const [listenerOut] = await Promise.all([
      aws(
        "elbv2",
        "create-listener",
        "--load-balancer-arn",
        lb.LoadBalancerArn,
        "--protocol",
        "HTTP",
        "--port",
        String(port),
        "--default-actions",
        `Type=forward,TargetGroupArn=${tg}`,
      ),
      aws(
        "elbv2",
        "modify-target-group-attributes",
        "--target-group-arn",
        tg,
        "--attributes",
        "Key=deregistration_delay.timeout_seconds,Value=30",
      ),
      aws("elbv2", "wait", "load-balancer-available", "--load-balancer-arns", lb.LoadBalancerArn),
    ]);
    const listenerArn = (listenerOut as { Listeners: { ListenerArn: string }[] }).Listeners[0]?.ListenerArn as string;

    // As the smoke workflow does: the task's private IP from its ENI, then register ip:5000.
    const enis = (await aws(
      "ec2",
      "describe-network-interfaces",
      "--filters",
      `Name=group-id,Values=${taskSg}`,
      "Name=requester-managed,Values=false",
    )) as { NetworkInterfaces: { PrivateIpAddress: string }[] };
    const ip = enis.NetworkInterfaces[0]?.PrivateIpAddress as string;
    expect(ip).toBe(app.address);
    await aws("elbv2", "register-targets", "--target-group-arn", tg, "--targets", `Id=${ip},Port=5000`);
    await aws("elbv2", "wait", "target-in-service", "--target-group-arn", tg, "--targets", `Id=${ip},Port=5000`);
    const health = (await aws("elbv2", "describe-target-health", "--target-group-arn", tg)) as {
      TargetHealthDescriptions: { TargetHealth: { State: string } }[];
    };
    expect(health.TargetHealthDescriptions.map((d) => d.TargetHealth.State)).toEqual(["healthy"]);

    const before = (await app.state()).counts["/"] ?? 0;
    const answer = await get(`http://${lb.DNSName}:${port}/`);
    expect(answer.status).toBe(200);
    expect((await app.state()).counts["/"]).toBe(before + 1);
    const healthz = await get(`http://${lb.DNSName}:${port}/healthz`);
    expect(healthz.status).toBe(200);

    // Tear down, in the order the ephemeral-alb post step uses.
    await aws("elbv2", "delete-listener", "--listener-arn", listenerArn);
    await aws("elbv2", "delete-load-balancer", "--load-balancer-arn", lb.LoadBalancerArn);
    await Promise.all([
      aws("elbv2", "delete-target-group", "--target-group-arn", tg),
      aws(
        "ec2",
        "revoke-security-group-ingress",
        "--group-id",
        taskSg,
        "--security-group-rule-ids",
        ingress.SecurityGroupRules[0]?.SecurityGroupRuleId as string,
      ),
    ]);
    // The ALB's ENIs linger (0.5 s here): DependencyViolation until they are gone.
    const deleted = await waitFor(
      async () => {
        try {
          await aws("ec2", "delete-security-group", "--group-id", albSg);
          return true;
        } catch (error) {
          if (!String(error).includes("DependencyViolation")) throw error;
          return false;
        }
      },
      (ok) => ok,
      { tries: 20, delayMs: 200 },
    );
    expect(deleted).toBe(true);
    const leftovers = await (await fetch(`${emu.endpoint}/_emulator/leftovers`)).json();
    expect(leftovers).toEqual({});
    const calls = emu.emulator.requests.filter((r) => r.code === "InternalFailure");
    expect(calls).toEqual([]);
  });
});
