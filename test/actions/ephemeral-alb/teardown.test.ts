import {
  DeleteSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from "@aws-sdk/client-ec2";
import {
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { albClients } from "../../../src/actions/ephemeral-alb/clients";
import { type CycleResources, eniDescription, teardown } from "../../../src/actions/ephemeral-alb/teardown";
import { withOperationNames } from "../../../src/lib/aws";
import { mockAws } from "../../harness/aws-mock";
import { awsError, fakeClock } from "./aws-mocks";

const elbMock = mockAws(ElasticLoadBalancingV2Client);
const ec2Mock = mockAws(EC2Client);
const LB = "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/eas-p-abc123-alb/50dc6c495c0c9188";
const TG = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/eas-p-abc123-tg/73e2d6bc24d8a067";
const LISTENER =
  "arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/eas-p-abc123-alb/50dc6c495c0c9188/f2f7";

function resources(): CycleResources {
  return {
    region: "us-west-2",
    names: {
      base: "eas-p-abc123",
      loadBalancer: "eas-p-abc123-alb",
      targetGroup: "eas-p-abc123-tg",
      securityGroup: "eas-p-abc123-alb-sg",
    },
    vpcId: "vpc-0a1b2c3d",
    loadBalancerArn: LB,
    targetGroupArn: TG,
    listenerArns: [LISTENER],
    securityGroupId: "sg-0b0b0b0b",
    taskSecurityGroupId: "sg-0a0a0a0a",
    taskIngressRules: [{ groupId: "sg-0a0a0a0a", ruleId: "sgr-0c0c0c0c" }],
  };
}

const clients = () => ({
  ...albClients("us-west-2"),
  elb: withOperationNames(new ElasticLoadBalancingV2Client({ region: "us-west-2" })),
  ec2: withOperationNames(new EC2Client({ region: "us-west-2" })),
});

/** The order of the calls, from both mocks. */
let calls: string[];
function record(name: string) {
  calls.push(name);
}

describe("ephemeral-alb teardown", () => {
  let lbExists: boolean;
  let enisLeft: number;
  afterEach(() => {
    vi.useRealTimers();
  });
  beforeEach(() => {
    calls = [];
    lbExists = true;
    enisLeft = 2;
    elbMock.reset();
    ec2Mock.reset();
    elbMock.on(DescribeTargetHealthCommand).callsFake(() => {
      record("DescribeTargetHealth");
      return { TargetHealthDescriptions: [{ Target: { Id: "10.0.1.5", Port: 5000 } }] };
    });
    elbMock.on(DeregisterTargetsCommand).callsFake(() => record("DeregisterTargets"));
    elbMock.on(DescribeListenersCommand).callsFake(() => {
      record("DescribeListeners");
      return { Listeners: [{ ListenerArn: LISTENER }] };
    });
    elbMock.on(DeleteListenerCommand).callsFake(() => record("DeleteListener"));
    elbMock.on(DeleteLoadBalancerCommand).callsFake(() => {
      record("DeleteLoadBalancer");
      lbExists = false;
    });
    elbMock.on(DescribeLoadBalancersCommand).callsFake(() => {
      record("DescribeLoadBalancers");
      if (!lbExists) throw awsError("LoadBalancerNotFound");
      return { LoadBalancers: [{ LoadBalancerArn: LB }] };
    });
    ec2Mock.on(RevokeSecurityGroupIngressCommand).callsFake(() => record("RevokeSecurityGroupIngress"));
    ec2Mock.on(DescribeNetworkInterfacesCommand).callsFake((input) => {
      record("DescribeNetworkInterfaces");
      expect(input.Filters).toEqual([{ Name: "description", Values: ["ELB app/eas-p-abc123-alb/50dc6c495c0c9188"] }]);
      enisLeft = Math.max(0, enisLeft - 1);
      return { NetworkInterfaces: Array.from({ length: enisLeft }, () => ({})) };
    });
    ec2Mock.on(DeleteSecurityGroupCommand).callsFake(() => record("DeleteSecurityGroup"));
    elbMock.on(DeleteTargetGroupCommand).callsFake(() => record("DeleteTargetGroup"));
    elbMock.on(DescribeTargetGroupsCommand).rejects(awsError("TargetGroupNotFound"));
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2Mock.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });
  });

  it("destroys in dependency order and reports everything deleted", async () => {
    fakeClock();
    const steps = await teardown(resources(), clients());
    const order = calls.filter((c) => !c.startsWith("Describe") || c === "DescribeNetworkInterfaces");
    expect(order).toEqual([
      "DeregisterTargets",
      "DeleteListener",
      "DeleteLoadBalancer",
      "RevokeSecurityGroupIngress",
      "DescribeNetworkInterfaces",
      "DescribeNetworkInterfaces",
      "DeleteSecurityGroup",
      "DeleteTargetGroup",
    ]);
    // The wait for the load balancer to be gone comes before the revoke.
    expect(calls.indexOf("DescribeLoadBalancers", calls.indexOf("DeleteLoadBalancer"))).toBeLessThan(
      calls.indexOf("RevokeSecurityGroupIngress"),
    );
    expect(steps.every((s) => s.outcome === "deleted")).toBe(true);
    expect(steps.map((s) => s.step)).toEqual([
      "deregister 1 target(s)",
      "delete listener",
      "delete load balancer",
      "revoke temporary ingress",
      "delete security group",
      "delete target group",
    ]);
  });

  it("is idempotent: everything already gone counts as done", async () => {
    elbMock.on(DeregisterTargetsCommand).rejects(awsError("TargetGroupNotFound"));
    elbMock.on(DescribeTargetHealthCommand).rejects(awsError("TargetGroupNotFound"));
    elbMock.on(DescribeListenersCommand).rejects(awsError("LoadBalancerNotFound"));
    elbMock.on(DeleteListenerCommand).rejects(awsError("ListenerNotFound"));
    elbMock.on(DeleteLoadBalancerCommand).rejects(awsError("LoadBalancerNotFound"));
    ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(awsError("InvalidSecurityGroupRuleId.NotFound"));
    ec2Mock.on(DeleteSecurityGroupCommand).rejects(awsError("InvalidGroup.NotFound"));
    elbMock.on(DeleteTargetGroupCommand).rejects(awsError("TargetGroupNotFound"));
    lbExists = false;
    fakeClock();
    const steps = await teardown(resources(), clients());
    expect(steps.filter((s) => s.outcome === "left")).toEqual([]);
    expect(steps.filter((s) => s.outcome === "already gone").map((s) => s.step)).toEqual([
      "delete listener",
      "delete load balancer",
      "revoke temporary ingress",
      "delete security group",
      "delete target group",
    ]);
  });

  it("attempts every step after a failure and gives the error and the command for what is left", async () => {
    elbMock
      .on(DeleteLoadBalancerCommand)
      .rejects(
        awsError("AccessDenied", "User: ci is not authorized to perform: elasticloadbalancing:DeleteLoadBalancer"),
      );
    ec2Mock
      .on(DeleteSecurityGroupCommand)
      .rejects(awsError("DependencyViolation", "resource sg-0b0b0b0b has a dependent object"));
    elbMock
      .on(DeleteTargetGroupCommand)
      .rejects(awsError("ResourceInUse", "Target group is currently in use by a listener or a rule"));
    const clock = fakeClock();
    const steps = await teardown(resources(), clients());
    const left = steps.filter((s) => s.outcome === "left");
    expect(left.map((s) => s.step)).toEqual(["delete load balancer", "delete security group", "delete target group"]);
    expect(left[0]?.error).toMatch(/^elasticloadbalancing:DeleteLoadBalancer was denied \(AccessDenied/);
    expect(left[0]?.command).toBe(`aws elbv2 delete-load-balancer --load-balancer-arn ${LB} --region us-west-2`);
    expect(left[1]?.command).toBe("aws ec2 delete-security-group --group-id sg-0b0b0b0b --region us-west-2");
    expect(left[2]?.command).toBe(`aws elbv2 delete-target-group --target-group-arn ${TG} --region us-west-2`);
    // The revoke still ran; no ENI wait (the load balancer is still there), no long DependencyViolation retry.
    expect(calls).toContain("RevokeSecurityGroupIngress");
    expect(calls).not.toContain("DescribeNetworkInterfaces");
    expect(clock.slept).toEqual([]);
  });

  it("retries DependencyViolation with backoff while the load balancer's ENIs go away", async () => {
    let attempts = 0;
    ec2Mock.on(DeleteSecurityGroupCommand).callsFake(() => {
      attempts++;
      if (attempts < 4) throw awsError("DependencyViolation");
    });
    fakeClock();
    const steps = await teardown(resources(), clients(), { securityGroupRetryMs: 15 * 60_000 });
    expect(attempts).toBe(4);
    expect(steps.find((s) => s.step === "delete security group")?.outcome).toBe("deleted");
  });

  it("does not take a new group's NotFound for gone: retries until Describe shows it, then deletes it", async () => {
    const clock = fakeClock();
    let visible = false;
    let deletes = 0;
    ec2Mock.on(DescribeSecurityGroupsCommand).callsFake((input) => {
      if (input.GroupIds && !visible) throw awsError("InvalidGroup.NotFound");
      return { SecurityGroups: input.GroupIds && visible ? [{ GroupId: "sg-0b0b0b0b" }] : [] };
    });
    ec2Mock.on(DeleteSecurityGroupCommand).callsFake(() => {
      deletes++;
      // Propagated after the third try: EC2 then answers the delete.
      if (deletes === 3) visible = true;
      if (deletes <= 3) throw awsError("InvalidGroup.NotFound");
    });
    const steps = await teardown({ ...resources(), createdAt: clock.now() }, clients());
    expect(deletes).toBe(4);
    expect(steps.find((s) => s.step === "delete security group")?.outcome).toBe("deleted");
  });

  it("a delete that keeps answering NotFound while Describe shows the group is reported as left", async () => {
    const clock = fakeClock();
    ec2Mock.on(DescribeSecurityGroupsCommand).callsFake((input) => ({
      SecurityGroups: input.GroupIds ? [{ GroupId: "sg-0b0b0b0b" }] : [],
    }));
    ec2Mock.on(DeleteSecurityGroupCommand).rejects(awsError("InvalidGroup.NotFound"));
    const steps = await teardown({ ...resources(), createdAt: clock.now() }, clients());
    const sg = steps.find((s) => s.step === "delete security group");
    expect(sg?.outcome).toBe("left");
    expect(sg?.error).toMatch(/^ec2:DeleteSecurityGroup failed: InvalidGroup.NotFound.*still failing after \d+s/);
    expect(sg?.command).toBe("aws ec2 delete-security-group --group-id sg-0b0b0b0b --region us-west-2");
  });

  it("finds by name what the saved state does not know (a create whose answer was lost)", async () => {
    const partial: CycleResources = { ...resources(), listenerArns: [], taskIngressRules: [] };
    delete partial.loadBalancerArn;
    delete partial.targetGroupArn;
    delete partial.securityGroupId;
    elbMock.on(DescribeLoadBalancersCommand).callsFake((input) => {
      record("DescribeLoadBalancers");
      if (!lbExists) throw awsError("LoadBalancerNotFound");
      if (input.Names) expect(input.Names).toEqual(["eas-p-abc123-alb"]);
      return { LoadBalancers: [{ LoadBalancerArn: LB }] };
    });
    let tgExists = true;
    elbMock.on(DescribeTargetGroupsCommand).callsFake(() => {
      if (!tgExists) throw awsError("TargetGroupNotFound");
      return { TargetGroups: [{ TargetGroupArn: TG }] };
    });
    elbMock.on(DeleteTargetGroupCommand).callsFake(() => {
      tgExists = false;
    });
    let sgExists = true;
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .callsFake(() => ({ SecurityGroups: sgExists ? [{ GroupId: "sg-0b0b0b0b" }] : [] }));
    ec2Mock.on(DeleteSecurityGroupCommand).callsFake(() => {
      sgExists = false;
    });
    let ruleExists = true;
    ec2Mock.on(DescribeSecurityGroupRulesCommand).callsFake(() => ({
      SecurityGroupRules: ruleExists
        ? [
            {
              SecurityGroupRuleId: "sgr-0c0c0c0c",
              GroupId: "sg-0a0a0a0a",
              IsEgress: false,
              ReferencedGroupInfo: { GroupId: "sg-0b0b0b0b" },
            },
          ]
        : [],
    }));
    ec2Mock.on(RevokeSecurityGroupIngressCommand).callsFake(() => {
      ruleExists = false;
    });
    fakeClock();
    const steps = await teardown(partial, clients());
    expect(steps.filter((s) => s.outcome === "deleted").map((s) => s.id)).toEqual([
      TG,
      LISTENER,
      LB,
      "sg-0a0a0a0a sgr-0c0c0c0c",
      "sg-0b0b0b0b",
      TG,
    ]);
    expect(steps.filter((s) => s.outcome !== "deleted")).toEqual([]);
  });

  it("knows a load balancer's ENI description", () => {
    expect(eniDescription(LB)).toBe("ELB app/eas-p-abc123-alb/50dc6c495c0c9188");
  });
});
