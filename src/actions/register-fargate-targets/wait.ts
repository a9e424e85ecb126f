import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { describeFailure } from "../../lib/errors";
import { type Clock, DeadlineExceeded, pollUntil, realClock } from "../../lib/retry";
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
  clock?: Clock;
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

/**
 * Polls DescribeTargetHealth with short intervals that grow (so a quick
 * success is seen quickly) until every target is healthy — confirmed by one
 * more describe, as the ECS deploy action learned to do — or fails fast: a
 * target unhealthy (which ELB only reports after the unhealthy threshold of
 * failed checks) in two consecutive polls, targets `unused` because no
 * listener uses the group, or a task stopped. Only a target that stays in its
 * initial checks sits out the timeout.
 */
export async function waitUntilHealthy(
  elb: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  targets: TaskTarget[],
  opts: WaitOptions,
): Promise<WaitResult> {
  const clock = opts.clock ?? realClock;
  const request = targets.map((t) => ({ Id: t.ip, Port: t.port }));
  const streak = new Map<string, number>();
  const seenRegistered = new Set<string>();
  const graceUntil = clock.now() + (opts.registrationGraceMs ?? REGISTRATION_GRACE_MS);
  let health: TargetHealthDescription[] = [];
  let polls = 0;
  let failure: { reason: string; stopped: StoppedTask[]; loadBalancerFailed?: true } | undefined;
  let lbsActive = opts.loadBalancers === undefined;
  const started = clock.now();
  let provisioning = "";
  const describe = async () => {
    const out = await describeFailure("elasticloadbalancing:DescribeTargetHealth", () =>
      elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn, Targets: request })),
    );
    return out.TargetHealthDescriptions ?? [];
  };
  const allHealthy = (h: TargetHealthDescription[]) =>
    h.length === request.length && h.every((d) => d.TargetHealth?.State === "healthy");

  try {
    await pollUntil<true>(
      async () => {
        polls++;
        if (!lbsActive && opts.loadBalancers) {
          const lbs = await opts.loadBalancers();
          const failed = lbs.find((lb) => lb.code === "failed");
          if (failed) {
            failure = {
              reason: `load balancer ${failed.name} entered state 'failed'${failed.reason ? `: ${failed.reason}` : ""} (check the subnets have free IP addresses and the ELB quotas)`,
              stopped: [],
              loadBalancerFailed: true,
            };
            return { done: false, fatal: failure.reason };
          }
          lbsActive = lbs.every((lb) => ROUTING.has(lb.code));
          const states = lbs.map((lb) => `${lb.name} ${lb.code}`).join(", ");
          if (!lbsActive && provisioning === "") {
            opts.log?.(
              `Registered while load balancer ${states}: waiting for it to be active and the targets healthy.`,
            );
          } else if (lbsActive && provisioning !== "") {
            opts.log?.(`Load balancer ${states} after ${Math.round((clock.now() - started) / 100) / 10}s of waiting.`);
          }
          provisioning = lbsActive ? "" : `load balancer ${states}; `;
        }
        health = await describe();
        if (allHealthy(health)) {
          health = await describe();
          if (allHealthy(health)) return { done: true, value: true };
        }
        let worrying = false;
        const hopeless: string[] = [];
        for (const d of health) {
          const state = d.TargetHealth?.State ?? "";
          const reason = d.TargetHealth?.Reason ?? "";
          const key = label(d);
          if (reason !== "Target.NotRegistered") seenRegistered.add(key);
          const propagating = reason === "Target.NotRegistered" && !seenRegistered.has(key) && clock.now() < graceUntil;
          const bad =
            !propagating &&
            (state === "unhealthy" || state === "draining" || (state === "unused" && HOPELESS_UNUSED.has(reason)));
          const n = bad ? (streak.get(key) ?? 0) + 1 : 0;
          streak.set(key, n);
          if (bad) worrying = true;
          if (n >= CONFIRMATIONS) hopeless.push(`${key} ${state}${reason ? ` (${reason})` : ""}`);
        }
        if (worrying || polls % TASK_CHECK_EVERY === 0) {
          const stopped = await opts.stoppedTasks();
          if (stopped.length > 0) {
            failure = { reason: `${stopped.length} task(s) stopped while waiting`, stopped };
            return { done: false, fatal: failure.reason };
          }
        }
        if (hopeless.length > 0) {
          failure = { reason: `target(s) cannot become healthy: ${hopeless.join(", ")}`, stopped: [] };
          return { done: false, fatal: failure.reason };
        }
        const counts = new Map<string, number>();
        for (const d of health)
          counts.set(d.TargetHealth?.State ?? "?", (counts.get(d.TargetHealth?.State ?? "?") ?? 0) + 1);
        return { done: false, detail: `${provisioning}${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}` };
      },
      {
        timeoutMs: opts.timeoutMs,
        what: "the targets to become healthy",
        minIntervalMs: 200,
        // A quarter of the health-check interval: the lag after the last check that
        // makes the targets healthy stays small, and a 10-minute wait stays well
        // under ELB's Describe* rate limits.
        maxIntervalMs: Math.min(5_000, Math.max(500, (opts.healthCheckIntervalSeconds * 1000) / 4)),
        clock,
      },
    );
    return { healthy: true, health };
  } catch (error) {
    if (failure) return { healthy: false, health, ...failure };
    if (error instanceof DeadlineExceeded) {
      return { healthy: false, reason: error.message, health, stopped: [] };
    }
    throw error;
  }
}
