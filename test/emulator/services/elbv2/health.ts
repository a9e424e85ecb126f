/**
 * Real health checks: every registered target of a target group that a
 * listener uses gets HTTP GETs on its health-check path and port, at the
 * group's interval and timeout (scaled by timeScale), and moves between
 * initial, healthy and unhealthy with the group's thresholds, as ELB does.
 * A target whose ENI's security groups do not admit the load balancer's
 * groups is never reached: its checks time out (`Target.Timeout`).
 */
import { request } from "node:http";
import type { Emulator } from "../../server";
import { ec2Of } from "../ec2";
import { type LoadBalancer, matches, type Target, type TargetGroup } from "./model";

/** A real request gets at least this much wall time, so a busy machine does not fake timeouts. */
const MIN_REAL_TIMEOUT_MS = 1_000;

type Outcome = { ok: true } | { ok: false; reason: string; description: string };

export interface HealthOptions {
  /** Emulated time a target spends in `Elb.RegistrationInProgress` before its first check (ms). */
  registrationMs(): number;
}

export class HealthChecker {
  constructor(
    private readonly emulator: Emulator,
    private readonly options: HealthOptions,
    /** The load balancers whose listeners forward to this group (any state). */
    private readonly usersOf: (tg: TargetGroup) => LoadBalancer[],
  ) {}

  /** Brings every target of the group in line with whether (and by which active LB) it is used. */
  reconcile(tg: TargetGroup): void {
    for (const target of tg.targets.values()) this.reconcileTarget(tg, target);
  }

  reconcileTarget(tg: TargetGroup, target: Target): void {
    if (target.state === "draining") return;
    const users = this.usersOf(tg);
    if (users.length === 0) {
      this.stop(target);
      set(
        target,
        "unused",
        "Target.NotInUse",
        "Target group is not configured to receive traffic from the load balancer",
      );
      return;
    }
    // "Target.NotInUse - The target group is not used by any load balancer or the
    // target is in an Availability Zone that is not enabled for its load balancer."
    // — https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html
    const zone = target.availabilityZone ?? ec2Of(this.emulator).networkInterfaceByAddress(target.id)?.availabilityZone;
    if (zone && zone !== "all" && !users.some((lb) => lb.subnets.some((s) => s.zoneName === zone))) {
      this.stop(target);
      set(
        target,
        "unused",
        "Target.NotInUse",
        "Target is in an Availability Zone that is not enabled for the load balancer",
      );
      return;
    }
    if (!users.some((lb) => lb.state === "active")) {
      this.stop(target);
      set(target, "initial", "Elb.RegistrationInProgress", "Target registration is in progress");
      return;
    }
    if (target.checking) return;
    // Newly used: registration, then the first checks.
    target.checking = true;
    target.successes = 0;
    target.failures = 0;
    set(target, "initial", "Elb.RegistrationInProgress", "Target registration is in progress");
    const generation = target.generation;
    // The registration phase runs from RegisterTargets, also while the load balancer provisions; the
    // checks start once it is over and the load balancer is active ("The critical path at the physical
    // limit": registration overlaps provisioning, AWS starts health checks when the LB becomes active).
    const registration = this.emulator.scaled(this.options.registrationMs());
    const left = Math.max(0, (target.registeredAt ?? Date.now()) + registration - Date.now());
    this.schedule(target, left, () => {
      if (target.generation !== generation) return;
      set(target, "initial", "Elb.InitialHealthChecking", "Initial health checks in progress");
      void this.loop(tg, target, generation);
    });
  }

  /** Cancels the target's checks (deregistration, group deleted, reset). */
  stop(target: Target): void {
    target.generation++;
    target.checking = false;
    clearTimeout(target.timer);
    delete target.timer;
  }

  private schedule(target: Target, ms: number, fn: () => void): void {
    clearTimeout(target.timer);
    target.timer = setTimeout(fn, ms);
    target.timer.unref();
  }

  private async loop(tg: TargetGroup, target: Target, generation: number): Promise<void> {
    const started = Date.now();
    const outcome = await this.check(tg, target);
    if (target.generation !== generation) return;
    this.record(tg, target, outcome);
    const interval = this.emulator.scaled(tg.healthCheck.intervalSeconds * 1000);
    this.schedule(target, Math.max(0, interval - (Date.now() - started)), () => {
      if (target.generation === generation) void this.loop(tg, target, generation);
    });
  }

  private record(tg: TargetGroup, target: Target, outcome: Outcome): void {
    const hc = tg.healthCheck;
    if (outcome.ok) {
      target.successes++;
      target.failures = 0;
      if (target.state !== "healthy" && target.successes >= hc.healthyThreshold) set(target, "healthy");
      return;
    }
    target.failures++;
    target.successes = 0;
    if (target.state === "unhealthy" || target.failures >= hc.unhealthyThreshold) {
      set(target, "unhealthy", outcome.reason, outcome.description);
    }
  }

  /** The load balancer the checks come from: the first active one using the group. */
  private source(tg: TargetGroup): LoadBalancer | undefined {
    return this.usersOf(tg).find((lb) => lb.state === "active");
  }

  /** Whether the target's security groups admit the load balancer on `port` (no ENI known: yes). */
  reachable(lb: LoadBalancer, targetIp: string, port: number): boolean {
    const ec2 = ec2Of(this.emulator);
    const eni = ec2.networkInterfaceByAddress(targetIp);
    if (!eni) return true;
    return ec2.allowsIngress(eni.groups, lb.securityGroups, port, lb.eniAddresses);
  }

  private async check(tg: TargetGroup, target: Target): Promise<Outcome> {
    const hc = tg.healthCheck;
    const port = hc.port === "traffic-port" ? target.port : Number(hc.port);
    const timeoutMs = this.emulator.scaled(hc.timeoutSeconds * 1000);
    const lb = this.source(tg);
    const timedOut: Outcome = { ok: false, reason: "Target.Timeout", description: "Request timed out" };
    if (!lb || !this.reachable(lb, target.id, port)) {
      // Dropped by a security group: nothing answers, the check times out.
      await new Promise((r) => setTimeout(r, timeoutMs).unref());
      return timedOut;
    }
    return new Promise<Outcome>((resolve) => {
      const req = request(
        {
          host: target.id,
          port,
          path: hc.path,
          method: "GET",
          localAddress: lb.address,
          agent: false,
          timeout: Math.max(timeoutMs, MIN_REAL_TIMEOUT_MS),
          headers: { "user-agent": "ELB-HealthChecker/2.0", host: `${target.id}:${port}`, connection: "close" },
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          resolve(
            matches(hc.matcher, status)
              ? { ok: true }
              : {
                  ok: false,
                  reason: "Target.ResponseCodeMismatch",
                  description: `Health checks failed with these codes: [${status}]`,
                },
          );
        },
      );
      req.on("timeout", () => {
        req.destroy();
        resolve(timedOut);
      });
      req.on("error", () =>
        resolve({ ok: false, reason: "Target.FailedHealthChecks", description: "Health checks failed" }),
      );
      req.end();
    });
  }
}

export function set(target: Target, state: Target["state"], reason?: string, description?: string): void {
  target.state = state;
  if (reason === undefined) delete target.reason;
  else target.reason = reason;
  if (description === undefined) delete target.description;
  else target.description = description;
}
