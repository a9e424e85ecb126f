import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { done, hopeless, type Look, notYet, WaiterState, waitFor } from "../../lib/wait";
import type { StoppedTask } from "./diagnose";
import type { TaskTarget } from "./discover";

export type WaitResult =
  | { healthy: true; health: TargetHealthDescription[] }
  | {
      healthy: false;
      reason: string;
      health: TargetHealthDescription[];
      stopped: StoppedTask[];
      /** The load balancer ended `failed`: nothing about the targets is wrong. */
      loadBalancerFailed?: true;
    };

export interface WaitOptions {
  timeoutMs: number;
  /** The health-check interval: polls never need to be much more frequent than a quarter of it. */
  healthCheckIntervalSeconds: number;
  /** Tasks of these targets that stopped (checked now and then, and whenever a target turns unhealthy). */
  stoppedTasks: () => Promise<StoppedTask[]>;
  /** How long `Target.NotRegistered` right after RegisterTargets is taken for propagation (default 60 s). */
  registrationGraceMs?: number;
  /**
   * The states of the load balancers that use the group, asked on every poll
   * until all are active: targets registered while a load balancer provisions
   * (ephemeral-alb `wait-until-active: false`) wait for it, and `failed` ends
   * the wait at once, with AWS's reason.
   */
  loadBalancers?: () => Promise<LoadBalancerStatus[]>;
  /** Progress lines for the log (the load balancer still provisioning, then active). */
  log?: (line: string) => void;
}

export interface LoadBalancerStatus {
  name: string;
  code: string;
  reason?: string | undefined;
}

/** active_impaired routes traffic (it only lacks room to scale). */
const ROUTING = new Set(["active", "active_impaired"]);

/**
 * ELBv2 is eventually consistent: DescribeTargetHealth may answer
 * `Target.NotRegistered` ("The target is not registered with the target
 * group", API_TargetHealth.html) for a target RegisterTargets accepted a
 * moment ago. Until a target has been seen registered, and for this long
 * after the wait starts, that reason is not taken as final; a target seen
 * registered and then NotRegistered really was deregistered.
 */
export const REGISTRATION_GRACE_MS = 60_000;

/** Reasons that cannot clear by themselves: fail as soon as a second look confirms them. */
const HOPELESS_UNUSED = new Set(["Target.NotInUse", "Target.NotRegistered", "Target.InvalidState"]);
/** Consecutive polls a hopeless state must persist before failing (one more describe, to confirm). */
const CONFIRMATIONS = 2;
/** Check for stopped tasks every this many polls even when nothing looks wrong. */
const TASK_CHECK_EVERY = 4;

function label(d: TargetHealthDescription): string {
  return `${d.Target?.Id ?? "?"}:${d.Target?.Port ?? "?"}`;
}

/** What a failed or timed-out wait saw last. */
interface Seen {
  health: TargetHealthDescription[];
  stopped: StoppedTask[];
  loadBalancerFailed?: true;
}

/**
 * The SDK's waiter over DescribeTargetHealth, with delays that start short and
 * grow (so a quick success is seen quickly), until every target is healthy —
 * confirmed by one more describe, as the ECS deploy action learned to do — or
 * the acceptor fails fast (the waiter's FAILURE, with the reason): a target
 * unhealthy (which ELB only reports after the unhealthy threshold of failed
 * checks) in two consecutive looks, targets `unused` because no listener uses
 * the group, a task stopped, or the load balancer `failed`. Only a target that
 * stays in its initial checks sits out the timeout.
 */
export async function waitUntilHealthy(
  elb: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  targets: TaskTarget[],
  opts: WaitOptions,
): Promise<WaitResult> {
  const request = targets.map((t) => ({ Id: t.ip, Port: t.port }));
  const streak = new Map<string, number>();
  const seenRegistered = new Set<string>();
  const graceUntil = Date.now() + (opts.registrationGraceMs ?? REGISTRATION_GRACE_MS);
  let looks = 0;
  let lbsActive = opts.loadBalancers === undefined;
  const started = Date.now();
  let provisioning = "";
  const describe = async () => {
    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn, Targets: request }));
    return out.TargetHealthDescriptions ?? [];
  };
  const allHealthy = (h: TargetHealthDescription[]) =>
    h.length === request.length && h.every((d) => d.TargetHealth?.State === "healthy");

  const look = async (): Promise<Look<TargetHealthDescription[], Seen>> => {
    looks++;
    if (!lbsActive && opts.loadBalancers) {
      const lbs = await opts.loadBalancers();
      const failed = lbs.find((lb) => lb.code === "failed");
      if (failed) {
        return hopeless(
          `load balancer ${failed.name} entered state 'failed'${failed.reason ? `: ${failed.reason}` : ""} (check the subnets have free IP addresses and the ELB quotas)`,
          { health: [], stopped: [], loadBalancerFailed: true },
        );
      }
      lbsActive = lbs.every((lb) => ROUTING.has(lb.code));
      const states = lbs.map((lb) => `${lb.name} ${lb.code}`).join(", ");
      if (!lbsActive && provisioning === "") {
        opts.log?.(`Registered while load balancer ${states}: waiting for it to be active and the targets healthy.`);
      } else if (lbsActive && provisioning !== "") {
        opts.log?.(`Load balancer ${states} after ${Math.round((Date.now() - started) / 100) / 10}s of waiting.`);
      }
      provisioning = lbsActive ? "" : `load balancer ${states}; `;
    }
    let health = await describe();
    if (allHealthy(health)) {
      health = await describe();
      if (allHealthy(health)) return done(health);
    }
    let worrying = false;
    const cannot: string[] = [];
    for (const d of health) {
      const state = d.TargetHealth?.State ?? "";
      const reason = d.TargetHealth?.Reason ?? "";
      const key = label(d);
      if (reason !== "Target.NotRegistered") seenRegistered.add(key);
      const propagating = reason === "Target.NotRegistered" && !seenRegistered.has(key) && Date.now() < graceUntil;
      const bad =
        !propagating &&
        (state === "unhealthy" || state === "draining" || (state === "unused" && HOPELESS_UNUSED.has(reason)));
      const n = bad ? (streak.get(key) ?? 0) + 1 : 0;
      streak.set(key, n);
      if (bad) worrying = true;
      if (n >= CONFIRMATIONS) cannot.push(`${key} ${state}${reason ? ` (${reason})` : ""}`);
    }
    if (worrying || looks % TASK_CHECK_EVERY === 0) {
      const stopped = await opts.stoppedTasks();
      if (stopped.length > 0) return hopeless(`${stopped.length} task(s) stopped while waiting`, { health, stopped });
    }
    if (cannot.length > 0)
      return hopeless(`target(s) cannot become healthy: ${cannot.join(", ")}`, { health, stopped: [] });
    const counts = new Map<string, number>();
    for (const d of health)
      counts.set(d.TargetHealth?.State ?? "?", (counts.get(d.TargetHealth?.State ?? "?") ?? 0) + 1);
    return notYet(`${provisioning}${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}`, { health, stopped: [] });
  };

  const waited = await waitFor(
    {
      what: "the targets to become healthy",
      timeoutMs: opts.timeoutMs,
      minDelayMs: 200,
      // A quarter of the health-check interval: the lag after the last check that
      // makes the targets healthy stays small, and a 10-minute wait stays well
      // under ELB's Describe* rate limits.
      maxDelayMs: Math.min(5_000, Math.max(500, (opts.healthCheckIntervalSeconds * 1000) / 4)),
    },
    look,
    elb,
  );
  if (waited.state === WaiterState.SUCCESS) return { healthy: true, health: waited.value };
  return { healthy: false, reason: waited.reason, health: [], stopped: [], ...waited.seen };
}
