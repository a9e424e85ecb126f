import { DescribeNetworkInterfacesCommand, RevokeSecurityGroupIngressCommand } from "@aws-sdk/client-ec2";
import {
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { errorMessage } from "../../lib/errors";
import { done, type Look, notYet, retryWhileCode, WaiterState, waitFor } from "../../lib/wait";
import { type AlbClients, isNotFound } from "./clients";
import { deleteSecurityGroupConfirmed, findNewSecurityGroup, visibleBy } from "./delete-security-group";
import { discover, verifyGone } from "./lookup";
import type { ResourceNames } from "./naming";

export interface IngressRule {
  groupId: string;
  ruleId: string;
}

/** Everything of one cycle that may exist; unknown IDs are looked up by the cycle's unique names. */
export interface CycleResources {
  region: string;
  names?: ResourceNames;
  vpcId?: string;
  loadBalancerArn?: string;
  targetGroupArn?: string;
  listenerArns: string[];
  securityGroupId?: string;
  /** A task security group that may hold a temporary rule referencing the ALB security group. */
  taskSecurityGroupId?: string;
  taskIngressRules: IngressRule[];
  /** When the create began (epoch ms): until its propagation window passes, a NotFound for the new group proves nothing. */
  createdAt?: number;
  /** A call has already seen the security group, so it has propagated (a NotFound for it is a delete). */
  securityGroupSeen?: boolean;
}

/** `failed`: a step that deletes nothing (a wait, a lookup) failed; what it guards is reported on its own. */
export type Outcome = "deleted" | "already gone" | "left" | "failed";

export interface TeardownStep {
  step: string;
  id: string;
  outcome: Outcome;
  /** For `left`: the exact AWS error, naming the operation. */
  error?: string;
  /** For `left`: the AWS CLI command that removes it by hand. */
  command?: string;
}

export interface TeardownOptions {
  /** How long to wait for the load balancer to disappear, and for its ENIs to be released. */
  waitMs?: number;
  /** How long to retry DependencyViolation on the security group (Terraform waits 15 minutes). */
  securityGroupRetryMs?: number;
}

const WAIT_MS = 10 * 60_000;
const SG_RETRY_MS = 15 * 60_000;

/** `ELB app/<name>/<id>`: the description AWS gives a load balancer's network interfaces. */
export function eniDescription(loadBalancerArn: string): string | undefined {
  const m = /:loadbalancer\/(app\/[^/]+\/[^/]+)$/.exec(loadBalancerArn);
  return m ? `ELB ${m[1]}` : undefined;
}

/**
 * Destroys one cycle in the order its dependencies require: deregister
 * targets, delete listeners, delete the load balancer and wait until it is
 * gone, revoke the temporary ingress, wait for the load balancer's ENIs to be
 * released, delete the security group (retrying DependencyViolation), delete
 * the target group — then look once more by name. Every step is attempted even
 * when an earlier one failed; NotFound counts as done.
 */
export async function teardown(
  res: CycleResources,
  clients: AlbClients,
  opts: TeardownOptions = {},
): Promise<TeardownStep[]> {
  const { elb, ec2 } = clients;
  const waitMs = opts.waitMs ?? WAIT_MS;
  const steps: TeardownStep[] = [];
  const region = `--region ${res.region}`;

  const attempt = async (step: string, id: string, command: string, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      steps.push({ step, id, outcome: "deleted" });
      return true;
    } catch (error) {
      if (isNotFound(error)) {
        steps.push({ step, id, outcome: "already gone" });
        return true;
      }
      steps.push({ step, id, outcome: "left", error: errorMessage(error), command });
      return false;
    }
  };
  const lookupFailed = (step: string, id: string, command: string, error: unknown) => {
    steps.push({ step, id, outcome: "left", error: errorMessage(error), command });
  };

  await discover(res, clients, lookupFailed);

  // 1. Targets: a target group with registered targets is still deletable, but
  // deregistering first starts connection draining while the rest goes away.
  if (res.targetGroupArn) {
    const tg = res.targetGroupArn;
    try {
      const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }));
      const targets = (health.TargetHealthDescriptions ?? []).flatMap((d) =>
        d.Target?.Id ? [{ Id: d.Target.Id, Port: d.Target.Port }] : [],
      );
      if (targets.length > 0) {
        const list = targets.map((t) => `Id=${t.Id}${t.Port ? `,Port=${t.Port}` : ""}`).join(" ");
        await attempt(
          `deregister ${targets.length} target(s)`,
          tg,
          `aws elbv2 deregister-targets --target-group-arn ${tg} --targets ${list} ${region}`,
          () => elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: targets })),
        );
      }
    } catch (error) {
      if (!isNotFound(error)) {
        lookupFailed(
          "deregister targets",
          tg,
          `aws elbv2 describe-target-health --target-group-arn ${tg} ${region}`,
          error,
        );
      }
    }
  }

  // 2. Listeners (the ones we know, plus any a lost response hid from us).
  let loadBalancerGone = res.loadBalancerArn === undefined;
  if (res.loadBalancerArn) {
    const lb = res.loadBalancerArn;
    const listeners = new Set(res.listenerArns);
    try {
      const out = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb }));
      for (const l of out.Listeners ?? []) if (l.ListenerArn) listeners.add(l.ListenerArn);
    } catch (error) {
      if (!isNotFound(error)) {
        lookupFailed("find listeners", lb, `aws elbv2 describe-listeners --load-balancer-arn ${lb} ${region}`, error);
      }
    }
    for (const arn of listeners) {
      await attempt("delete listener", arn, `aws elbv2 delete-listener --listener-arn ${arn} ${region}`, () =>
        elb.send(new DeleteListenerCommand({ ListenerArn: arn })),
      );
    }

    // 3. The load balancer, and wait until it is really gone.
    const command = `aws elbv2 delete-load-balancer --load-balancer-arn ${lb} ${region}`;
    const deleted = await attempt("delete load balancer", lb, command, () =>
      elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb })),
    );
    if (deleted) {
      try {
        const waited = await waitFor(
          { what: `load balancer ${lb} to be deleted`, timeoutMs: waitMs, minDelayMs: 250, maxDelayMs: 5_000 },
          () => loadBalancerDeleted(elb, lb),
          elb,
        );
        if (waited.state !== WaiterState.SUCCESS) throw new Error(waited.reason);
        loadBalancerGone = true;
      } catch (error) {
        lookupFailed("wait for load balancer deletion", lb, command, error);
      }
    }
  }

  // 4. The temporary ingress in the task security group (it references the
  // ALB security group, which cannot be deleted while referenced).
  let rulesRevoked = true;
  for (const rule of res.taskIngressRules) {
    rulesRevoked &&= await attempt(
      "revoke temporary ingress",
      `${rule.groupId} ${rule.ruleId}`,
      `aws ec2 revoke-security-group-ingress --group-id ${rule.groupId} --security-group-rule-ids ${rule.ruleId} ${region}`,
      () =>
        ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: rule.groupId, SecurityGroupRuleIds: [rule.ruleId] })),
    );
  }

  // 5. The load balancer's ENIs linger after it is gone; the security group
  // cannot be deleted until they are released.
  const description = res.loadBalancerArn ? eniDescription(res.loadBalancerArn) : undefined;
  if (loadBalancerGone && description) {
    try {
      const waited = await waitFor(
        {
          what: `the network interfaces '${description}' to be released`,
          timeoutMs: waitMs,
          minDelayMs: 250,
          maxDelayMs: 10_000,
        },
        () => interfacesReleased(ec2, description),
        ec2,
      );
      if (waited.state !== WaiterState.SUCCESS) throw new Error(waited.reason);
    } catch (error) {
      // Not fatal by itself (the security group delete below retries
      // DependencyViolation), but a denied or failing call must be seen.
      steps.push({
        step: "wait for ENI release",
        id: description,
        outcome: "failed",
        error: errorMessage(error),
        command: `aws ec2 describe-network-interfaces --filters "Name=description,Values=${description}" ${region}`,
      });
    }
  }

  // 6. The ALB security group. A new one may still be invisible (EC2's
  // eventual consistency): look by name until its window has passed, and
  // take a NotFound for "gone" only when Describe confirms it (see delete-security-group.ts).
  const window = { visibleBy: visibleBy(res.createdAt), seen: res.securityGroupSeen ?? false };
  if (!res.securityGroupId && res.names && res.vpcId && res.createdAt !== undefined) {
    const { securityGroup } = res.names;
    const command = `aws ec2 describe-security-groups --filters Name=group-name,Values=${securityGroup} ${region}`;
    try {
      const found = await findNewSecurityGroup(clients, securityGroup, res.vpcId, window);
      if (found) {
        res.securityGroupId = found;
        window.seen = true;
      } else steps.push({ step: "find security group", id: securityGroup, outcome: "already gone" });
    } catch (error) {
      lookupFailed("find security group", securityGroup, command, error);
    }
  }
  if (res.securityGroupId) {
    const sg = res.securityGroupId;
    // Retrying DependencyViolation only helps while something is still going
    // away (ENIs); with the load balancer or a referencing rule still there it never clears.
    const retryMs = loadBalancerGone && rulesRevoked ? (opts.securityGroupRetryMs ?? SG_RETRY_MS) : 0;
    const command = `aws ec2 delete-security-group --group-id ${sg} ${region}`;
    try {
      const outcome = await deleteSecurityGroupConfirmed(clients, sg, window, retryMs);
      steps.push({ step: "delete security group", id: sg, outcome });
    } catch (error) {
      steps.push({ step: "delete security group", id: sg, outcome: "left", error: errorMessage(error), command });
    }
  }

  // 7. The target group (in use until the listener is gone).
  if (res.targetGroupArn) {
    const tg = res.targetGroupArn;
    await attempt("delete target group", tg, `aws elbv2 delete-target-group --target-group-arn ${tg} ${region}`, () =>
      retryWhileCode(
        {
          what: "the ResourceInUse to clear",
          timeoutMs: loadBalancerGone ? 30_000 : 0,
          minDelayMs: 1_000,
          maxDelayMs: 15_000,
        },
        "ResourceInUse",
        () => elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg })),
        { client: elb },
      ),
    );
  }

  await verifyGone(res, clients, steps);
  return steps;
}

/**
 * The acceptors of the SDK's `waitUntilLoadBalancersDeleted` (NotFound:
 * deleted; still listed: retry), except that any other error ends the wait at
 * once: the SDK's waiter retries every error, so a denied DescribeLoadBalancers
 * would sit out the whole timeout.
 */
export async function loadBalancerDeleted(elb: AlbClients["elb"], arn: string): Promise<Look<true>> {
  try {
    const out = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }));
    const codes = (out.LoadBalancers ?? []).map((l) => l.State?.Code ?? "unknown");
    return codes.length === 0 ? done(true) : notYet(`it still exists (${codes.join(", ")})`);
  } catch (error) {
    if (isNotFound(error)) return done(true);
    throw error;
  }
}

/** The load balancer's network interfaces (described `ELB app/<name>/<id>`) are gone. */
export async function interfacesReleased(ec2: AlbClients["ec2"], description: string): Promise<Look<true>> {
  const out = await ec2.send(
    new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "description", Values: [description] }] }),
  );
  const n = out.NetworkInterfaces?.length ?? 0;
  return n === 0 ? done(true) : notYet(`${n} still attached`);
}
