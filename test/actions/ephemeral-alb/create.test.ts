import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { albClients } from "../../../src/actions/ephemeral-alb/clients";
import { readInputs } from "../../../src/actions/ephemeral-alb/inputs";
import { run } from "../../../src/actions/ephemeral-alb/run";
import type { AlbState } from "../../../src/actions/ephemeral-alb/state";
import { withOperationNames } from "../../../src/lib/aws";
import { mockAws } from "../../harness/aws-mock";
import { fakeDeps } from "../../harness/fake-deps";
import { awsError, fakeClock } from "./aws-mocks";

const elbMock = mockAws(ElasticLoadBalancingV2Client);
const ec2Mock = mockAws(EC2Client);

const LB =
  "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/eas-papyrus-abc123-alb/50dc6c495c0c9188";
const TG = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/eas-papyrus-abc123-tg/73e2d6bc24d8a067";
const LISTENER =
  "arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/eas-papyrus-abc123-alb/50dc6c495c0c9188/f2f7dc8efc522ab2";

function inputs(extra: Record<string, string> = {}) {
  const values: Record<string, string> = {
    "vpc-id": "vpc-0a1b2c3d",
    "subnet-ids": "subnet-0a1b2c3d,subnet-0a1b2c3e",
    "task-security-group-id": "sg-0a0a0a0a",
    "ingress-cidrs": "203.0.113.7/32",
    ...extra,
  };
  return readInputs((name) => values[name] ?? "", {
    GITHUB_WORKSPACE: mkdtempSync(join(tmpdir(), "eas-unit-")),
    GITHUB_REPOSITORY: "octo-org/papyrus",
    GITHUB_RUN_ID: "42",
    AWS_REGION: "us-west-2",
  });
}

describe("ephemeral-alb create: state is saved after every create, before the next call", () => {
  let saves: AlbState[];
  let events: string[];
  const store = {
    save: (s: AlbState) => {
      saves.push(structuredClone(s));
      events.push(
        `save ${Object.keys(s)
          .filter((k) => /Arn$|Id$|Ids$/.test(k) && !["vpcId", "runId", "taskSecurityGroupId"].includes(k))
          .sort()
          .join(",")}`,
      );
    },
  };
  const saved = () => saves.at(-1) as AlbState;
  afterEach(() => {
    vi.useRealTimers();
  });

  beforeEach(() => {
    saves = [];
    events = [];
    elbMock.reset();
    ec2Mock.reset();
    ec2Mock.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        { SubnetId: "subnet-0a1b2c3d", VpcId: "vpc-0a1b2c3d", AvailabilityZone: "us-west-2a" },
        { SubnetId: "subnet-0a1b2c3e", VpcId: "vpc-0a1b2c3d", AvailabilityZone: "us-west-2b" },
      ],
    });
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .resolves({ SecurityGroups: [{ GroupId: "sg-0a0a0a0a", VpcId: "vpc-0a1b2c3d" }] });
    ec2Mock.on(CreateSecurityGroupCommand).callsFake(() => {
      events.push("CreateSecurityGroup");
      expect(saved().names.securityGroup).toMatch(/-alb-sg$/);
      return { GroupId: "sg-0b0b0b0b" };
    });
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).callsFake((input) => {
      events.push(`Authorize ${input.GroupId}`);
      expect(saved().securityGroupId).toBe("sg-0b0b0b0b");
      return {
        Return: true,
        SecurityGroupRules: [{ SecurityGroupRuleId: input.GroupId === "sg-0a0a0a0a" ? "sgr-task" : "sgr-alb" }],
      };
    });
    elbMock.on(CreateTargetGroupCommand).callsFake(() => {
      events.push("CreateTargetGroup");
      return { TargetGroups: [{ TargetGroupArn: TG }] };
    });
    elbMock.on(CreateLoadBalancerCommand).callsFake((input) => {
      events.push("CreateLoadBalancer");
      expect(input.SecurityGroups).toEqual(["sg-0b0b0b0b"]);
      expect(saved().securityGroupId).toBe("sg-0b0b0b0b");
      return {
        LoadBalancers: [{ LoadBalancerArn: LB, DNSName: "x.elb.amazonaws.com", State: { Code: "provisioning" } }],
      };
    });
    elbMock.on(CreateListenerCommand).callsFake(() => {
      events.push("CreateListener");
      expect(saved()).toMatchObject({ loadBalancerArn: LB, targetGroupArn: TG });
      return { Listeners: [{ ListenerArn: LISTENER, Port: 80, Protocol: "HTTP" }] };
    });
    let describes = 0;
    elbMock.on(DescribeLoadBalancersCommand).callsFake(() => {
      events.push("DescribeLoadBalancers");
      expect(saved().loadBalancerArn).toBe(LB);
      describes++;
      return {
        LoadBalancers: [
          {
            LoadBalancerArn: LB,
            DNSName: "x.elb.amazonaws.com",
            State: { Code: describes < 3 ? "provisioning" : "active" },
          },
        ],
      };
    });
  });

  const deps = () => ({
    ...fakeDeps({ clock: fakeClock() }),
    clients: {
      ...albClients("us-west-2"),
      elb: withOperationNames(new ElasticLoadBalancingV2Client({ region: "us-west-2" })),
      ec2: withOperationNames(new EC2Client({ region: "us-west-2" })),
    },
    store,
  });

  it("saves the names before the first call and each ID as soon as it exists", async () => {
    const result = await run(inputs(), deps());
    expect(result.failure).toBeUndefined();
    expect(events[0]).toBe("save ");
    expect(saves[0]?.names.loadBalancer).toMatch(/^eas-papyrus-[0-9a-f]{6}-alb$/);
    // Security group and target group start together; the load balancer waits for the group only.
    expect(events.indexOf("CreateTargetGroup")).toBeLessThan(events.indexOf("CreateLoadBalancer"));
    expect(saved()).toMatchObject({
      securityGroupId: "sg-0b0b0b0b",
      targetGroupArn: TG,
      loadBalancerArn: LB,
      listenerArn: LISTENER,
      taskIngressRuleIds: ["sgr-task"],
    });
    // One save per create (+ the first one with the names).
    expect(saves).toHaveLength(6);
    expect(result.outputs).toMatchObject({ url: "http://x.elb.amazonaws.com", "listener-arn": LISTENER });
    const tags = elbMock.commandCalls(CreateLoadBalancerCommand)[0]?.args[0].input.Tags?.map((t) => t.Key);
    expect(tags).toEqual([
      "ecs-alb-smoke:run-id",
      "ecs-alb-smoke:expires-at",
      "ecs-alb-smoke:repository",
      "ecs-alb-smoke:name",
    ]);
  });

  it("on a denied create keeps going with the other branches, saves them, and names the operation", async () => {
    elbMock.on(CreateLoadBalancerCommand).rejects(awsError("AccessDenied", "User: x is not authorized"));
    const result = await run(inputs(), deps());
    expect(result.failure).toMatch(
      /^elasticloadbalancing:CreateLoadBalancer was denied \(AccessDenied: User: x is not authorized\)/,
    );
    expect(saved()).toMatchObject({
      securityGroupId: "sg-0b0b0b0b",
      targetGroupArn: TG,
      taskIngressRuleIds: ["sgr-task"],
    });
    expect(saved().loadBalancerArn).toBeUndefined();
    expect(elbMock.commandCalls(CreateListenerCommand)).toHaveLength(0);
  });

  it("fails fast when the load balancer's provisioning fails", async () => {
    elbMock.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [{ LoadBalancerArn: LB, State: { Code: "failed", Reason: "no capacity in us-west-2a" } }],
    });
    const result = await run(inputs(), deps());
    expect(result.failure).toMatch(/entered state 'failed': no capacity in us-west-2a/);
    expect(elbMock.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(1);
  });

  it("waits through LoadBalancerNotFound right after CreateLoadBalancer (ELB's reads are eventually consistent)", async () => {
    let describes = 0;
    elbMock.on(DescribeLoadBalancersCommand).callsFake(() => {
      describes++;
      if (describes <= 2) throw awsError("LoadBalancerNotFound", "One or more load balancers not found");
      return { LoadBalancers: [{ LoadBalancerArn: LB, DNSName: "x.elb.amazonaws.com", State: { Code: "active" } }] };
    });
    const result = await run(inputs(), deps());
    expect(result.failure).toBeUndefined();
    expect(describes).toBe(3);
    expect(saved().listenerArn).toBe(LISTENER);
  });

  it("reports a load balancer still not found a minute after its creation, naming the operation", async () => {
    elbMock
      .on(DescribeLoadBalancersCommand)
      .rejects(awsError("LoadBalancerNotFound", "One or more load balancers not found"));
    const result = await run(inputs(), deps());
    expect(result.failure).toMatch(/elasticloadbalancing:DescribeLoadBalancers.*LoadBalancerNotFound/);
    const calls = elbMock.commandCalls(DescribeLoadBalancersCommand).length;
    // Retried with the waiter's backoff (250 ms to 5 s) for about 60 s, then given up: not one call, not forever.
    expect(calls).toBeGreaterThan(5);
    expect(calls).toBeLessThan(60);
  });

  it("adopts its own security group when a retried create finds it already made", async () => {
    ec2Mock.on(CreateSecurityGroupCommand).rejects(awsError("InvalidGroup.Duplicate"));
    // Not visible to Describe at first (eventual consistency), then found.
    let lookups = 0;
    ec2Mock.on(DescribeSecurityGroupsCommand).callsFake((input) => {
      if (input.Filters?.[0]?.Name === "group-id")
        return { SecurityGroups: [{ GroupId: "sg-0a0a0a0a", VpcId: "vpc-0a1b2c3d" }] };
      return { SecurityGroups: lookups++ === 0 ? [] : [{ GroupId: "sg-0b0b0b0b" }] };
    });
    const result = await run(inputs(), deps());
    expect(result.failure).toBeUndefined();
    expect(saved().securityGroupId).toBe("sg-0b0b0b0b");
    expect(lookups).toBe(2);
  });

  it("retries InvalidGroup.NotFound / InvalidSecurityGroup on the calls that use the new group, and only those", async () => {
    const notYet = { ec2: 0, elb: 0 };
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).callsFake((input) => {
      if (notYet.ec2++ < 3)
        throw awsError("InvalidGroup.NotFound", `The security group '${input.GroupId}' does not exist`);
      return {
        Return: true,
        SecurityGroupRules: [{ SecurityGroupRuleId: input.GroupId === "sg-0a0a0a0a" ? "sgr-task" : "sgr-alb" }],
      };
    });
    elbMock.on(CreateLoadBalancerCommand).callsFake(() => {
      if (notYet.elb++ < 2) throw awsError("InvalidSecurityGroup", "Security group 'sg-0b0b0b0b' does not exist");
      return {
        LoadBalancers: [{ LoadBalancerArn: LB, DNSName: "x.elb.amazonaws.com", State: { Code: "provisioning" } }],
      };
    });
    const d = deps();
    const result = await run(inputs(), d);
    expect(result.failure).toBeUndefined();
    expect(saved()).toMatchObject({ loadBalancerArn: LB, taskIngressRuleIds: ["sgr-task"] });
    expect(elbMock.commandCalls(CreateLoadBalancerCommand)).toHaveLength(3);
    // CreateTargetGroup does not name the group: an InvalidGroup.NotFound-like error there is not retried.
    elbMock.on(CreateTargetGroupCommand).rejects(awsError("InvalidGroup.NotFound"));
    const failed = await run(inputs(), deps());
    expect(failed.failure).toMatch(/elasticloadbalancing:CreateTargetGroup failed: InvalidGroup.NotFound/);
    expect(elbMock.commandCalls(CreateTargetGroupCommand)).toHaveLength(2);
  });

  it("gives up on a group that never appears after about two minutes, naming the call", async () => {
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).rejects(awsError("InvalidGroup.NotFound"));
    const d = deps();
    const result = await run(inputs({ "timeout-seconds": "600" }), d);
    expect(result.failure).toMatch(/ec2:AuthorizeSecurityGroupIngress failed: InvalidGroup.NotFound/);
    // Elapsed fake time (the two ingress calls wait side by side, so their sleeps overlap).
    const waited = d.clock.now() - 1_700_000_000_000;
    expect(waited).toBeGreaterThanOrEqual(120_000);
    expect(waited).toBeLessThan(200_000);
  });

  it("takes InvalidPermission.Duplicate on the task ingress (a retried, committed call) as success and looks the rule up", async () => {
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).callsFake((input) => {
      if (input.GroupId === "sg-0a0a0a0a") throw awsError("InvalidPermission.Duplicate");
      return { Return: true, SecurityGroupRules: [{ SecurityGroupRuleId: "sgr-alb" }] };
    });
    ec2Mock.on(DescribeSecurityGroupRulesCommand).resolves({
      SecurityGroupRules: [
        {
          SecurityGroupRuleId: "sgr-other",
          GroupId: "sg-0a0a0a0a",
          IsEgress: false,
          FromPort: 5000,
          ReferencedGroupInfo: { GroupId: "sg-0c0c0c0c" },
        },
        {
          SecurityGroupRuleId: "sgr-ours",
          GroupId: "sg-0a0a0a0a",
          IsEgress: false,
          FromPort: 5000,
          ReferencedGroupInfo: { GroupId: "sg-0b0b0b0b" },
        },
      ],
    });
    const result = await run(inputs(), deps());
    expect(result.failure).toBeUndefined();
    expect(saved().taskIngressRuleIds).toEqual(["sgr-ours"]);
  });

  it.each([
    [
      "a subnet that does not exist",
      { "subnet-ids": "subnet-0a1b2c3d,subnet-0f0f0f0f" },
      /Input 'subnet-ids': subnet-0f0f0f0f does not exist/,
    ],
    [
      "two subnets in one zone",
      {},
      /Input 'subnet-ids': a load balancer takes one subnet per Availability Zone/,
      "us-west-2a",
    ],
    [
      "a task security group of another VPC",
      {},
      /Input 'task-security-group-id': security group sg-0a0a0a0a is in vpc-0ffff000/,
      undefined,
      "vpc-0ffff000",
    ],
  ] as const)(
    "refuses %s before creating anything",
    async (_label, extra, message, secondZone?: string, sgVpc?: string) => {
      if (secondZone)
        ec2Mock.on(DescribeSubnetsCommand).resolves({
          Subnets: [
            { SubnetId: "subnet-0a1b2c3d", VpcId: "vpc-0a1b2c3d", AvailabilityZone: "us-west-2a" },
            { SubnetId: "subnet-0a1b2c3e", VpcId: "vpc-0a1b2c3d", AvailabilityZone: secondZone },
          ],
        });
      if (sgVpc)
        ec2Mock
          .on(DescribeSecurityGroupsCommand)
          .resolves({ SecurityGroups: [{ GroupId: "sg-0a0a0a0a", VpcId: sgVpc }] });
      await expect(run(inputs(extra), deps())).rejects.toThrow(message);
      expect(saves).toHaveLength(0);
      expect(ec2Mock.commandCalls(CreateSecurityGroupCommand)).toHaveLength(0);
      expect(elbMock.commandCalls(CreateTargetGroupCommand)).toHaveLength(0);
    },
  );
});

describe("ephemeral-alb inputs: tags ELB would refuse", () => {
  const read = (tags: string) =>
    readInputs(
      (name) =>
        ({
          "vpc-id": "vpc-0a1b2c3d",
          "subnet-ids": "subnet-0a1b2c3d,subnet-0a1b2c3e",
          "ingress-cidrs": "203.0.113.7/32",
          tags,
        })[name] ?? "",
      {
        GITHUB_REPOSITORY: "octo-org/papyrus",
        AWS_REGION: "us-west-2",
      },
    );
  it("accepts ELB's character set (unicode letters, spaces, _ . : / = + - @)", () => {
    expect(read('{"team": "Zoë & co"}'.replace(" & ", " + "))).toMatchObject({ extraTags: { team: "Zoë + co" } });
  });
  it.each([
    [
      '{"cost#center": "1"}',
      /the key 'cost#center' of tag 'cost#center' has characters Elastic Load Balancing refuses/,
    ],
    ['{"owner": "a,b"}', /the value 'a,b' of tag 'owner'/],
    [
      JSON.stringify(Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`k${i}`, "v"]))),
      /47 tags plus the action's 4 make 51; AWS allows 50/,
    ],
  ])("refuses %s", (tags, message) => {
    expect(() => read(tags)).toThrow(message);
  });
});

describe("ephemeral-alb inputs: ingress-cidrs", () => {
  it("sends each CIDR once: EC2 refuses the same permission twice in one request", () => {
    const read = inputs({ "ingress-cidrs": "203.0.113.7, 198.51.100.0/24,203.0.113.7/32, 198.51.100.0/24" });
    expect(read).toMatchObject({ ingressCidrs: ["203.0.113.7/32", "198.51.100.0/24"] });
  });
});
