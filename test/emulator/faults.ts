/**
 * Seeded fault injection: the same seed and the same sequence of calls give
 * the same faults, so a failing fault-campaign run can be replayed.
 */
import { AwsError } from "./errors";

export interface FaultRule {
  /** Signing name (elasticloadbalancing, ec2, ecs, iam, ...); omitted = every service. */
  service?: string;
  /** Operation name (CreateLoadBalancer); omitted = every operation of the service(s). */
  action?: string;
  /** 0..1: answer with the service's throttling error. */
  throttleRate?: number;
  /** 0..1: answer with a 500/503. */
  serverErrorRate?: number;
  /** Extra latency in ms (before time scaling is NOT applied: it is wall time). */
  latencyMs?: number;
  /** Fail the Nth matching call (1-based) with this code and status. */
  failNth?: { n: number; code: string; status?: number; message?: string };
  /** Fail every matching call with this code (e.g. AccessDenied) from the Nth on (default 1). */
  failFrom?: { n?: number; code: string; status?: number; message?: string };
  /**
   * "Commit, then lose the response": the Nth matching call takes effect,
   * then the client sees a 500 (`5xx`, the default) or a connection reset
   * (`reset`) and retries a call that already happened.
   */
  loseResponseNth?: { n: number; as?: LostResponse };
  /** 0..1: the same, at random (seeded). */
  loseResponseRate?: number;
}

export type LostResponse = "5xx" | "reset";

export interface FaultDecision {
  latencyMs: number;
  /** Answer with this error instead of calling the handler. */
  error?: AwsError;
  /** Call the handler, then lose its answer this way. */
  loseResponse?: LostResponse;
}

export interface FaultConfig {
  seed?: number;
  rules: FaultRule[];
}

/** mulberry32: small, fast, good enough to pick faults reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const THROTTLE_CODE: Record<string, string> = {
  ec2: "RequestLimitExceeded",
  ecs: "ThrottlingException",
  secretsmanager: "ThrottlingException",
  ssm: "ThrottlingException",
};

export function throttleError(service: string): AwsError {
  return new AwsError(THROTTLE_CODE[service] ?? "Throttling", "Rate exceeded", 400);
}

export class FaultInjector {
  private config: FaultConfig = { rules: [] };
  private random: () => number = seededRandom(1);
  private counts = new Map<number, number>();

  configure(config: FaultConfig): void {
    this.config = { seed: config.seed ?? 1, rules: config.rules ?? [] };
    this.random = seededRandom(this.config.seed ?? 1);
    this.counts.clear();
  }

  current(): FaultConfig {
    return this.config;
  }

  /** Decides the fault for one call: extra latency, and an error to answer with (or none). */
  decide(service: string, action: string): FaultDecision {
    let latencyMs = 0;
    let error: AwsError | undefined;
    let loseResponse: LostResponse | undefined;
    this.config.rules.forEach((rule, index) => {
      if (rule.service && rule.service !== service) return;
      if (rule.action && rule.action !== action) return;
      const n = (this.counts.get(index) ?? 0) + 1;
      this.counts.set(index, n);
      latencyMs += rule.latencyMs ?? 0;
      if (error) return;
      if (rule.failNth && rule.failNth.n === n) {
        error = new AwsError(
          rule.failNth.code,
          rule.failNth.message ?? `Injected fault on call ${n} of ${action}`,
          rule.failNth.status ?? 400,
        );
      } else if (rule.failFrom && n >= (rule.failFrom.n ?? 1)) {
        error = new AwsError(
          rule.failFrom.code,
          rule.failFrom.message ?? `Injected fault on ${action}`,
          rule.failFrom.status ?? 400,
        );
      } else if (rule.throttleRate && this.random() < rule.throttleRate) {
        error = throttleError(service);
      } else if (rule.serverErrorRate && this.random() < rule.serverErrorRate) {
        error =
          this.random() < 0.5
            ? new AwsError("InternalFailure", "Injected internal failure", 500)
            : new AwsError("ServiceUnavailable", "Injected unavailability", 503);
      } else if (!loseResponse && rule.loseResponseNth && rule.loseResponseNth.n === n) {
        loseResponse = rule.loseResponseNth.as ?? "5xx";
      } else if (!loseResponse && rule.loseResponseRate && this.random() < rule.loseResponseRate) {
        loseResponse = this.random() < 0.5 ? "5xx" : "reset";
      }
    });
    if (error) return { latencyMs, error };
    return loseResponse ? { latencyMs, loseResponse } : { latencyMs };
  }
}
