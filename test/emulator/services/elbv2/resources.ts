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

/**
 * What a Describe* call names among `items`: by ARN (`TargetGroupArns`, `LoadBalancerArns`; an ARN that does not
 * exist at all → `code`, "One or more <plural> not found") and by name (a name not among them → `code`,
 * "<Plural> '[a, b]' not found"), as ELB answers.
 */
export function chosenByArnsAndNames<T extends { arn: string; name: string }>(
  items: T[],
  existing: Map<string, T>,
  arns: string[],
  names: string[],
  code: string,
  plural: string,
): T[] {
  let chosen = items;
  if (arns.length > 0) {
    if (arns.some((a) => !existing.has(a))) throw new AwsError(code, `One or more ${plural} not found`);
    chosen = chosen.filter((x) => arns.includes(x.arn));
  }
  if (names.length > 0) {
    const missing = names.filter((n) => !chosen.some((x) => x.name === n));
    if (missing.length > 0) {
      throw new AwsError(code, `${plural[0]?.toUpperCase()}${plural.slice(1)} '[${missing.join(", ")}]' not found`);
    }
    chosen = chosen.filter((x) => names.includes(x.name));
  }
  return chosen;
}
