/** ELBv2's resources by ARN, and the lookups every operation shares (their NotFound errors are AWS's). */
import { AwsError } from "../../errors";
import type { Listener, LoadBalancer, TargetGroup } from "./model";

export interface Elbv2Resources {
  loadBalancers: Map<string, LoadBalancer>;
  targetGroups: Map<string, TargetGroup>;
  listeners: Map<string, Listener>;
}

export function findLb(r: Elbv2Resources, arn: unknown): LoadBalancer {
  const lb = r.loadBalancers.get(String(arn));
  if (!lb) throw new AwsError("LoadBalancerNotFound", `Load balancer '${arn}' not found`);
  return lb;
}

export function findTg(r: Elbv2Resources, arn: unknown): TargetGroup {
  const tg = r.targetGroups.get(String(arn));
  if (!tg) throw new AwsError("TargetGroupNotFound", `Target groups '${arn}' not found`);
  return tg;
}

export function findListener(r: Elbv2Resources, arn: unknown): Listener {
  const l = r.listeners.get(String(arn));
  if (!l) throw new AwsError("ListenerNotFound", `Listener '${arn}' not found`);
  return l;
}

export function listenersOf(r: Elbv2Resources, lb: LoadBalancer): Listener[] {
  return [...r.listeners.values()].filter((l) => l.loadBalancerArn === lb.arn);
}

/** Load balancers with a listener forwarding to the group. */
export function usersOf(r: Elbv2Resources, tg: TargetGroup): LoadBalancer[] {
  const arns = new Set(
    [...r.listeners.values()]
      .filter((l) => l.actions.some((a) => a.type === "forward" && a.targetGroupArn === tg.arn))
      .map((l) => l.loadBalancerArn),
  );
  return [...arns].map((a) => r.loadBalancers.get(a)).filter((x): x is LoadBalancer => x !== undefined);
}
