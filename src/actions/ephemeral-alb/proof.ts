import { DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsErrorCode, errorMessage } from "../../lib/errors";
import { done, notYet, WaiterState, waitFor } from "../../lib/wait";
import type { AlbClients } from "./clients";
import type { CycleResources, TeardownStep } from "./teardown";

/** One resource of the cycle in `<ts>_alb_destroy.json`: how it was deleted and the Describe that shows it gone. */
export interface GoneProof {
  resource: "load balancer" | "listener" | "target group" | "security group" | "task ingress rule";
  id: string;
  delete: { call: string; outcome: string; error?: string };
  describe: {
    call: string;
    request: Record<string, unknown>;
    /** The error code AWS answered (the resource does not exist), or what it still listed. */
    answer: { code: string; message: string } | { found: unknown[] };
    at: string;
  };
  gone: boolean;
}

interface Target {
  resource: GoneProof["resource"];
  id: string;
  deleteCall: string;
  deleteStep: string;
  describeCall: string;
  request: Record<string, unknown>;
  send: () => Promise<unknown[]>;
}

/** How long a Describe may still list a resource just deleted (eventual consistency) before it counts as left. */
const PROOF_WAIT_MS = 60_000;

/** The delete step (as teardown names it) and the delete call per kind of resource. */
const DELETED_BY: Record<GoneProof["resource"], [step: string, call: string]> = {
  "load balancer": ["delete load balancer", "elasticloadbalancing:DeleteLoadBalancer"],
  listener: ["delete listener", "elasticloadbalancing:DeleteListener"],
  "target group": ["delete target group", "elasticloadbalancing:DeleteTargetGroup"],
  "task ingress rule": ["revoke temporary ingress", "ec2:RevokeSecurityGroupIngress"],
  "security group": ["delete security group", "ec2:DeleteSecurityGroup"],
};

function targets(res: CycleResources, clients: AlbClients): Target[] {
  const { elb, ec2 } = clients;
  const list: Target[] = [];
  const add = <R extends Record<string, unknown>>(
    resource: GoneProof["resource"],
    id: string,
    describeCall: string,
    request: R,
    send: (request: R) => Promise<unknown[] | undefined>,
  ) => {
    const [deleteStep, deleteCall] = DELETED_BY[resource];
    list.push({
      resource,
      id,
      deleteCall,
      deleteStep,
      describeCall,
      request,
      send: async () => (await send(request)) ?? [],
    });
  };
  const lb = res.loadBalancerArn;
  if (lb)
    add(
      "load balancer",
      lb,
      "elasticloadbalancing:DescribeLoadBalancers",
      { LoadBalancerArns: [lb] },
      async (r) => (await elb.send(new DescribeLoadBalancersCommand(r))).LoadBalancers,
    );
  for (const arn of res.listenerArns)
    add(
      "listener",
      arn,
      "elasticloadbalancing:DescribeListeners",
      { ListenerArns: [arn] },
      async (r) => (await elb.send(new DescribeListenersCommand(r))).Listeners,
    );
  const tg = res.targetGroupArn;
  if (tg)
    add(
      "target group",
      tg,
      "elasticloadbalancing:DescribeTargetGroups",
      { TargetGroupArns: [tg] },
      async (r) => (await elb.send(new DescribeTargetGroupsCommand(r))).TargetGroups,
    );
  for (const rule of res.taskIngressRules)
    add(
      "task ingress rule",
      `${rule.groupId} ${rule.ruleId}`,
      "ec2:DescribeSecurityGroupRules",
      { SecurityGroupRuleIds: [rule.ruleId] },
      async (r) => (await ec2.send(new DescribeSecurityGroupRulesCommand(r))).SecurityGroupRules,
    );
  const sg = res.securityGroupId;
  if (sg)
    add(
      "security group",
      sg,
      "ec2:DescribeSecurityGroups",
      { GroupIds: [sg] },
      async (r) => (await ec2.send(new DescribeSecurityGroupsCommand(r))).SecurityGroups,
    );
  return list;
}

/**
 * After the teardown: one Describe per resource, by its ID, whose answer
 * shows it gone (a NotFound error, or an empty list). A resource still listed
 * is asked again with backoff for up to a minute (a delete propagating), then
 * recorded as not gone.
 */
export async function proveGone(res: CycleResources, clients: AlbClients, steps: TeardownStep[]): Promise<GoneProof[]> {
  const proofs: GoneProof[] = [];
  // Listeners the teardown found on the load balancer count too, not only the ones the state knew.
  const listenerArns = [
    ...new Set([...res.listenerArns, ...steps.filter((s) => s.step === "delete listener").map((s) => s.id)]),
  ];
  for (const t of targets({ ...res, listenerArns }, clients)) {
    const step = steps.find((s) => s.step === t.deleteStep && s.id === t.id);
    type Describe = GoneProof["describe"];
    // Gone (NotFound, or nothing listed) or an error that is not NotFound ends the look; still listed waits.
    const waited = await waitFor<{ gone: boolean; describe: Describe }, Describe>(
      {
        what: `${t.resource} ${t.id} to be shown gone`,
        timeoutMs: PROOF_WAIT_MS,
        minDelayMs: 1_000,
        maxDelayMs: 10_000,
      },
      async () => {
        const at = new Date().toISOString();
        try {
          const found = await t.send();
          const describe = { call: t.describeCall, request: t.request, answer: { found }, at };
          return found.length === 0 ? done({ gone: true, describe }) : notYet("still listed", describe);
        } catch (error) {
          const code = awsErrorCode(error) ?? "";
          const describe = {
            call: t.describeCall,
            request: t.request,
            answer: { code, message: errorMessage(error) },
            at,
          };
          return done({ gone: /NotFound$/.test(code), describe });
        }
      },
    );
    const { gone, describe } =
      waited.state === WaiterState.SUCCESS ? waited.value : { gone: false, describe: waited.seen as Describe };
    proofs.push({
      resource: t.resource,
      id: t.id,
      delete: {
        call: t.deleteCall,
        outcome: step?.outcome ?? "not attempted",
        ...(step?.error ? { error: step.error } : {}),
      },
      describe,
      gone,
    });
  }
  return proofs;
}
