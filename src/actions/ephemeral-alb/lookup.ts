import { DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { errorMessage } from "../../lib/errors";
import { type AlbClients, isNotFound } from "./clients";
import type { CycleResources, IngressRule, TeardownStep } from "./teardown";

export type LookupFailed = (step: string, id: string, command: string, error: unknown) => void;

/** Fills in IDs the saved state does not know (a create whose response never arrived), by the cycle's names. */
export async function discover(res: CycleResources, clients: AlbClients, failed: LookupFailed): Promise<void> {
  const names = res.names;
  const region = `--region ${res.region}`;
  if (names && !res.loadBalancerArn) {
    try {
      const lb = await findLoadBalancer(clients, names.loadBalancer);
      if (lb) res.loadBalancerArn = lb;
    } catch (error) {
      failed(
        "find load balancer",
        names.loadBalancer,
        `aws elbv2 describe-load-balancers --names ${names.loadBalancer} ${region}`,
        error,
      );
    }
  }
  if (names && !res.targetGroupArn) {
    try {
      const tg = await findTargetGroup(clients, names.targetGroup);
      if (tg) res.targetGroupArn = tg;
    } catch (error) {
      failed(
        "find target group",
        names.targetGroup,
        `aws elbv2 describe-target-groups --names ${names.targetGroup} ${region}`,
        error,
      );
    }
  }
  if (names && !res.securityGroupId && res.vpcId) {
    try {
      const sg = await findSecurityGroup(clients, names.securityGroup, res.vpcId);
      if (sg) res.securityGroupId = sg;
    } catch (error) {
      failed(
        "find security group",
        names.securityGroup,
        `aws ec2 describe-security-groups --filters Name=group-name,Values=${names.securityGroup} ${region}`,
        error,
      );
    }
  }
  if (res.taskSecurityGroupId && res.securityGroupId) {
    try {
      for (const rule of await findReferencingRules(clients, res.taskSecurityGroupId, res.securityGroupId)) {
        if (!res.taskIngressRules.some((r) => r.ruleId === rule.ruleId)) res.taskIngressRules.push(rule);
      }
    } catch (error) {
      failed(
        "find temporary ingress",
        res.taskSecurityGroupId,
        `aws ec2 describe-security-group-rules --filters Name=group-id,Values=${res.taskSecurityGroupId} ${region}`,
        error,
      );
    }
  }
}

/** After teardown, look once more: anything still there that no step reported is reported now. */
export async function verifyGone(res: CycleResources, clients: AlbClients, steps: TeardownStep[]): Promise<void> {
  const reported = new Set(steps.filter((s) => s.outcome === "left").map((s) => s.id));
  const still: { step: string; id: string; command: string }[] = [];
  const region = `--region ${res.region}`;
  const check = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      // The teardown itself may have worked, but this look could not confirm it.
      steps.push({
        step: "verify nothing is left",
        id: res.names?.base ?? "",
        outcome: "failed",
        error: errorMessage(error),
        command: "(see the error)",
      });
    }
  };
  const names = res.names;
  if (names) {
    await check(async () => {
      const arn = await findLoadBalancer(clients, names.loadBalancer);
      if (arn)
        still.push({
          step: "load balancer still exists",
          id: arn,
          command: `aws elbv2 delete-load-balancer --load-balancer-arn ${arn} ${region}`,
        });
    });
    await check(async () => {
      const arn = await findTargetGroup(clients, names.targetGroup);
      if (arn)
        still.push({
          step: "target group still exists",
          id: arn,
          command: `aws elbv2 delete-target-group --target-group-arn ${arn} ${region}`,
        });
    });
    const vpc = res.vpcId;
    if (vpc) {
      await check(async () => {
        const id = await findSecurityGroup(clients, names.securityGroup, vpc);
        if (id)
          still.push({
            step: "security group still exists",
            id,
            command: `aws ec2 delete-security-group --group-id ${id} ${region}`,
          });
      });
    }
  }
  const taskSg = res.taskSecurityGroupId;
  const albSg = res.securityGroupId;
  if (taskSg && albSg) {
    await check(async () => {
      for (const rule of await findReferencingRules(clients, taskSg, albSg)) {
        still.push({
          step: "temporary ingress still exists",
          id: `${rule.groupId} ${rule.ruleId}`,
          command: `aws ec2 revoke-security-group-ingress --group-id ${rule.groupId} --security-group-rule-ids ${rule.ruleId} ${region}`,
        });
      }
    });
  }
  for (const s of still) {
    if (reported.has(s.id)) continue;
    steps.push({
      step: s.step,
      id: s.id,
      outcome: "left",
      error: "It still exists after the teardown finished.",
      command: s.command,
    });
  }
}

export async function findLoadBalancer(clients: AlbClients, name: string): Promise<string | undefined> {
  try {
    const out = await clients.elb.send(new DescribeLoadBalancersCommand({ Names: [name] }));
    return out.LoadBalancers?.[0]?.LoadBalancerArn;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function findTargetGroup(clients: AlbClients, name: string): Promise<string | undefined> {
  try {
    const out = await clients.elb.send(new DescribeTargetGroupsCommand({ Names: [name] }));
    return out.TargetGroups?.[0]?.TargetGroupArn;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function findSecurityGroup(clients: AlbClients, name: string, vpcId: string): Promise<string | undefined> {
  const out = await clients.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "group-name", Values: [name] },
        { Name: "vpc-id", Values: [vpcId] },
      ],
    }),
  );
  return out.SecurityGroups?.[0]?.GroupId;
}

export async function findReferencingRules(
  clients: AlbClients,
  groupId: string,
  referenced: string,
): Promise<IngressRule[]> {
  try {
    const out = await clients.ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [groupId] }] }),
    );
    return (out.SecurityGroupRules ?? []).flatMap((r) =>
      !r.IsEgress && r.ReferencedGroupInfo?.GroupId === referenced && r.SecurityGroupRuleId && r.GroupId
        ? [{ groupId: r.GroupId, ruleId: r.SecurityGroupRuleId }]
        : [],
    );
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}
