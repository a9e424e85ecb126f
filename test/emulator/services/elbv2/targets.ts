/**
 * Targets of ip target groups: registration (private or loopback IPv4
 * addresses), deregistration with draining for the scaled deregistration
 * delay, and DescribeTargetHealth as ELB answers it.
 */
import { AwsError, validation } from "../../errors";
import type { Emulator } from "../../server";
import type { Params } from "../../types";
import { ec2Of } from "../ec2";
import { ipToInt } from "../ec2/common";
import { type HealthChecker, set } from "./health";
import { type LoadBalancer, portIn, type Target, type TargetGroup, targetKey } from "./model";

const PRIVATE_RANGES: [string, number][] = [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["100.64.0.0", 10],
  // Loopback stands for "inside the VPC" here: the targets are local processes.
  ["127.0.0.0", 8],
];

function privateAddress(ip: string): boolean {
  const n = ipToInt(ip);
  if (n === undefined) return false;
  return PRIVATE_RANGES.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const b = ipToInt(base) as number;
    return n >= b && n < b + size;
  });
}

export interface TargetDeps {
  emulator: Emulator;
  health: HealthChecker;
  /** The group, or `TargetGroupNotFound`. */
  targetGroup(arn: unknown): TargetGroup;
  usersOf(tg: TargetGroup): LoadBalancer[];
  /** Pending drain timers, cancelled on reset/stop. */
  drainTimers: Set<NodeJS.Timeout>;
  /** Eventual consistency of registration (ms before timeScale). */
  consistencyMs(): number;
}

export class Targets {
  constructor(private readonly deps: TargetDeps) {}

  private readTargets(p: Params, tg: TargetGroup): { id: string; port: number; availabilityZone?: string }[] {
    const raw = (p.Targets ?? []) as Params[];
    if (raw.length === 0) throw validation("At least one target must be specified");
    return raw.map((t) => {
      const id = String(t.Id ?? "");
      if (ipToInt(id) === undefined) {
        throw new AwsError("InvalidTarget", `The IP address '${id}' is not a valid IPv4 address`);
      }
      const port = t.Port === undefined ? tg.port : portIn(t.Port, "port");
      const out: { id: string; port: number; availabilityZone?: string } = { id, port };
      if (t.AvailabilityZone !== undefined) out.availabilityZone = String(t.AvailabilityZone);
      return out;
    });
  }

  register(p: Params) {
    const tg = this.deps.targetGroup(p.TargetGroupArn);
    const targets = this.readTargets(p, tg);
    for (const t of targets) {
      if (!privateAddress(t.id)) {
        throw new AwsError(
          "InvalidTarget",
          `The IP address '${t.id}' is not within the VPC CIDR or a private (RFC 1918, RFC 6598) range`,
        );
      }
    }
    // TargetDescription.AvailabilityZone: "If the IP address is outside the VPC, this parameter is required"
    // (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html; for an ALB the
    // only value then is `all`). Loopback addresses stand for VPC addresses here, so the VPC of an address is that of
    // the ENI holding it; an address no ENI holds is taken to be inside. The wording is the emulator's.
    const ec2 = ec2Of(this.deps.emulator);
    for (const t of targets) {
      const eni = ec2.networkInterfaceByAddress(t.id);
      if (t.availabilityZone === undefined && eni && eni.vpcId !== tg.vpcId) {
        throw validation(
          `The IP address '${t.id}' is outside the VPC of target group '${tg.name}' (${tg.vpcId}): specify an Availability Zone for it`,
        );
      }
    }
    if (tg.targets.size + targets.length > 1000)
      throw new AwsError("TooManyTargets", "You've reached the limit on the number of targets");
    for (const t of targets) {
      const key = targetKey(t.id, t.port);
      const existing = tg.targets.get(key);
      if (existing && existing.state !== "draining") continue;
      if (existing) this.deps.health.stop(existing);
      const target: Target = {
        id: t.id,
        port: t.port,
        state: "initial",
        successes: 0,
        failures: 0,
        generation: 0,
        checking: false,
        registeredAt: Date.now(),
      };
      if (t.availabilityZone) target.availabilityZone = t.availabilityZone;
      const hiddenMs = this.deps.emulator.scaled(this.deps.consistencyMs());
      if (hiddenMs > 0) target.visibleAt = Date.now() + hiddenMs;
      tg.targets.set(key, target);
      this.deps.health.reconcileTarget(tg, target);
    }
    return {};
  }

  deregister(p: Params) {
    const tg = this.deps.targetGroup(p.TargetGroupArn);
    const targets = this.readTargets(p, tg);
    const missing = targets.filter((t) => !tg.targets.has(targetKey(t.id, t.port)));
    if (missing.length > 0) {
      throw new AwsError(
        "InvalidTarget",
        `The following targets are not registered in target group '${tg.arn}': ${missing.map((t) => `'${t.id}:${t.port}'`).join(", ")}`,
      );
    }
    const used = this.deps.usersOf(tg).length > 0;
    const delay = this.deps.emulator.scaled(
      Number(tg.attributes.get("deregistration_delay.timeout_seconds") ?? 300) * 1000,
    );
    for (const t of targets) {
      const key = targetKey(t.id, t.port);
      const target = tg.targets.get(key) as Target;
      if (target.state === "draining") continue;
      this.deps.health.stop(target);
      if (!used || delay === 0) {
        tg.targets.delete(key);
        continue;
      }
      set(target, "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress");
      const timer = setTimeout(() => {
        this.deps.drainTimers.delete(timer);
        if (tg.targets.get(key) === target) tg.targets.delete(key);
      }, delay);
      timer.unref();
      this.deps.drainTimers.add(timer);
    }
    return {};
  }

  describeHealth(p: Params) {
    const tg = this.deps.targetGroup(p.TargetGroupArn);
    const hcPort = (t: { port: number }) =>
      tg.healthCheck.port === "traffic-port" ? String(t.port) : tg.healthCheck.port;
    const ec2 = ec2Of(this.deps.emulator);
    const describe = (t: Target) => {
      const az = t.availabilityZone ?? ec2.networkInterfaceByAddress(t.id)?.availabilityZone;
      return {
        Target: { Id: t.id, Port: t.port, AvailabilityZone: az },
        HealthCheckPort: hcPort(t),
        TargetHealth: { State: t.state, Reason: t.reason, Description: t.description },
      };
    };
    // ELBv2 is eventually consistent: right after RegisterTargets, DescribeTargetHealth
    // may not show the target yet (Target.NotRegistered, "The target is not registered
    // with the target group" — https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html).
    const visible = (t: Target | undefined): t is Target =>
      t !== undefined && (t.visibleAt === undefined || t.visibleAt <= Date.now());
    if (p.Targets === undefined)
      return { TargetHealthDescriptions: [...tg.targets.values()].filter(visible).map(describe) };
    return {
      TargetHealthDescriptions: this.readTargets(p, tg).map((t) => {
        const target = tg.targets.get(targetKey(t.id, t.port));
        if (visible(target)) return describe(target);
        return {
          Target: { Id: t.id, Port: t.port },
          HealthCheckPort: hcPort(t),
          TargetHealth: {
            State: "unused",
            Reason: "Target.NotRegistered",
            Description: "Target is not registered to the target group",
          },
        };
      }),
    };
  }
}
