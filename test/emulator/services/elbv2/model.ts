/**
 * ELBv2's resources and AWS's rules for them: names, health-check limits,
 * tags, ARNs (attribute keys and defaults: attributes.ts).
 */
import type { Server } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { AwsError, validation } from "../../errors";
import type { Params } from "../../types";

export type Tags = Map<string, string>;

export interface LoadBalancer {
  arn: string;
  id: string;
  name: string;
  /** The loopback address it answers on; also its DNSName (there is no DNS here). */
  address: string;
  scheme: string;
  vpcId: string;
  subnets: { subnetId: string; zoneName: string }[];
  securityGroups: string[];
  ipAddressType: string;
  state: "provisioning" | "active" | "failed";
  stateReason?: string;
  createdTime: Date;
  tags: Tags;
  attributes: Map<string, string>;
  /** Its requester-managed ENIs in EC2, one per subnet. */
  eniIds: string[];
  /** The private addresses of those ENIs (CIDR rules on target groups see these). */
  eniAddresses: string[];
  settings: string;
  timer?: NodeJS.Timeout;
  /** Until when (epoch ms) DescribeLoadBalancers does not show it yet (`loadBalancerConsistencyMs`). */
  visibleAt?: number;
}

export interface HealthCheck {
  protocol: string;
  port: string;
  enabled: boolean;
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  matcher: string;
}

export type TargetState = "initial" | "healthy" | "unhealthy" | "unused" | "draining" | "unavailable";

export interface Target {
  id: string;
  port: number;
  availabilityZone?: string;
  state: TargetState;
  reason?: string;
  description?: string;
  successes: number;
  failures: number;
  /** Bumped to cancel a running health-check loop (deregistration, reset, unused). */
  generation: number;
  checking: boolean;
  timer?: NodeJS.Timeout;
  /** Invisible to DescribeTargetHealth until this wall-clock time (eventual consistency). */
  visibleAt?: number;
  /** Wall-clock time of RegisterTargets: the registration phase runs from here, also while the load balancer provisions. */
  registeredAt?: number;
}

export interface TargetGroup {
  arn: string;
  id: string;
  name: string;
  protocol: string;
  protocolVersion: string;
  port: number;
  vpcId: string;
  targetType: string;
  ipAddressType: string;
  healthCheck: HealthCheck;
  tags: Tags;
  attributes: Map<string, string>;
  targets: Map<string, Target>;
  settings: string;
}

export type ListenerAction =
  | { type: "forward"; targetGroupArn: string; order?: number }
  | { type: "fixed-response"; statusCode: string; contentType?: string; messageBody?: string; order?: number }
  | {
      type: "redirect";
      /** RedirectConfig, with AWS's defaults filled in (`#{protocol}`, `#{host}`, ...). */
      protocol: string;
      port: string;
      host: string;
      path: string;
      query: string;
      statusCode: "HTTP_301" | "HTTP_302";
      order?: number;
    };

export interface Listener {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  actions: ListenerAction[];
  /** HTTPS: the default certificate (an ACM ARN) and the security policy. */
  certificateArn?: string;
  sslPolicy?: string;
  tags: Tags;
  attributes: Map<string, string>;
  server?: Server | HttpsServer;
  /** Why it does not really listen (bind failure), if it does not. */
  bindError?: string;
  roundRobin: number;
}

export const targetKey = (id: string, port: number) => `${id}:${port}`;

/** LB and target group names: AWS's exact rules. */
export function validateName(kind: "load balancer" | "target group", name: unknown): string {
  const label = kind === "load balancer" ? "Load balancer" : "Target group";
  if (typeof name !== "string" || name === "") throw validation(`${label} name cannot be empty`);
  if (name.length > 32) throw validation(`${label} name '${name}' cannot be longer than '32' characters`);
  if (!/^[a-zA-Z0-9-]+$/.test(name)) {
    throw validation(
      `${label} name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`,
    );
  }
  if (name.startsWith("-") || name.endsWith("-")) {
    throw validation(`${label} name '${name}' cannot begin or end with '-'`);
  }
  if (kind === "load balancer" && name.toLowerCase().startsWith("internal-")) {
    throw validation(`Load balancer name '${name}' cannot begin with 'internal-'`);
  }
  return name;
}

function intIn(params: Params, key: string, wire: string, min: number, max: number): number | undefined {
  const raw = params[key];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n))
    throw validation(`Value '${raw}' at '${wire}' failed to satisfy constraint: Member must be an integer`);
  if (n < min) {
    throw validation(
      `1 validation error detected: Value '${n}' at '${wire}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  }
  if (n > max) {
    throw validation(
      `1 validation error detected: Value '${n}' at '${wire}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return n;
}

export function defaultHealthCheck(): HealthCheck {
  return {
    protocol: "HTTP",
    port: "traffic-port",
    enabled: true,
    path: "/",
    intervalSeconds: 30,
    timeoutSeconds: 5,
    healthyThreshold: 5,
    unhealthyThreshold: 2,
    matcher: "200",
  };
}

function validateMatcher(code: string): string {
  const parts = code.split(",");
  for (const part of parts) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part.trim());
    if (!m) throw validation(`Invalid health check matcher HTTP code '${code}'`);
    for (const c of [m[1], m[2]].filter(Boolean).map(Number)) {
      if (c < 200 || c > 499) {
        throw validation(`Health check matcher HTTP code '${c}' must be within '200-499' inclusive`);
      }
    }
    if (m[2] && Number(m[2]) < Number(m[1])) throw validation(`Invalid health check matcher HTTP code '${code}'`);
  }
  return code;
}

/** Applies CreateTargetGroup / ModifyTargetGroup health-check parameters over `base`, validated as AWS does. */
export function readHealthCheck(params: Params, base: HealthCheck): HealthCheck {
  const hc: HealthCheck = { ...base };
  if (params.HealthCheckProtocol !== undefined) {
    const p = String(params.HealthCheckProtocol).toUpperCase();
    if (p !== "HTTP" && p !== "HTTPS") {
      throw validation(`Health check protocol '${params.HealthCheckProtocol}' is not supported for this target group`);
    }
    if (p === "HTTPS") throw validation("emulator: HTTPS health checks are not emulated; use HTTP");
    hc.protocol = p;
  }
  if (params.HealthCheckPort !== undefined) {
    const port = String(params.HealthCheckPort);
    if (port !== "traffic-port" && !(Number.isInteger(Number(port)) && Number(port) >= 1 && Number(port) <= 65535)) {
      throw validation(`Health check port '${port}' must be 'traffic-port' or a number between 1 and 65535`);
    }
    hc.port = port;
  }
  if (params.HealthCheckEnabled !== undefined) {
    hc.enabled = String(params.HealthCheckEnabled) === "true";
    if (!hc.enabled) throw validation("Health check enabled must be true for target groups with target type 'ip'");
  }
  if (params.HealthCheckPath !== undefined) {
    const path = String(params.HealthCheckPath);
    if (path.length < 1 || path.length > 1024) {
      throw validation("Health check path must be between 1 and 1024 characters");
    }
    if (!path.startsWith("/")) throw validation("Health check path must begin with a '/' character");
    hc.path = path;
  }
  hc.intervalSeconds =
    intIn(params, "HealthCheckIntervalSeconds", "healthCheckIntervalSeconds", 5, 300) ?? hc.intervalSeconds;
  hc.timeoutSeconds =
    intIn(params, "HealthCheckTimeoutSeconds", "healthCheckTimeoutSeconds", 2, 120) ?? hc.timeoutSeconds;
  hc.healthyThreshold = intIn(params, "HealthyThresholdCount", "healthyThresholdCount", 2, 10) ?? hc.healthyThreshold;
  hc.unhealthyThreshold =
    intIn(params, "UnhealthyThresholdCount", "unhealthyThresholdCount", 2, 10) ?? hc.unhealthyThreshold;
  const matcher = (params.Matcher as Params | undefined)?.HttpCode;
  if (matcher !== undefined) hc.matcher = validateMatcher(String(matcher));
  if (hc.timeoutSeconds >= hc.intervalSeconds) {
    throw validation(
      `Health check timeout '${hc.timeoutSeconds}' must be smaller than the interval '${hc.intervalSeconds}'`,
    );
  }
  return hc;
}

/** Whether a status code satisfies a matcher like `200`, `200,302` or `200-399`. */
export function matches(matcher: string, status: number): boolean {
  return matcher.split(",").some((part) => {
    const [from, to] = part.trim().split("-").map(Number);
    return to === undefined ? status === from : status >= (from as number) && status <= to;
  });
}

export function portIn(raw: unknown, wire: string): number {
  const n = Number(raw);
  if (raw === undefined) throw validation(`A port must be specified (${wire})`);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw validation(
      `1 validation error detected: Value '${raw}' at '${wire}' failed to satisfy constraint: Member must have value between 1 and 65535`,
    );
  }
  return n;
}

/** ELBv2 `Tag`: key 1-128, value 0-256, this character set (API_Tag.html). */
const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** `Tags.member.N.Key/Value`, refusing duplicate keys, bad lengths and characters as AWS does. */
export function readTags(list: unknown): Tags {
  const tags: Tags = new Map();
  const items = (Array.isArray(list) ? list : []) as Params[];
  items.forEach((t, i) => {
    const key = String(t.Key ?? "");
    const value = String(t.Value ?? "");
    if (!key) throw validation("A tag key must be specified");
    for (const [field, text, max] of [
      ["key", key, 128],
      ["value", value, 256],
    ] as const) {
      const at = `tags.${i + 1}.member.${field}`;
      if (text.length > max) {
        throw validation(
          `1 validation error detected: Value '${text}' at '${at}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
        );
      }
      if (!TAG_PATTERN.test(text)) {
        throw validation(
          `1 validation error detected: Value '${text}' at '${at}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$`,
        );
      }
    }
    if (tags.has(key)) throw new AwsError("DuplicateTagKeys", `Tag key '${key}' is duplicated`);
    tags.set(key, value);
  });
  if (tags.size > 50)
    throw new AwsError(
      "TooManyTags",
      "The quota for the number of tags that can be assigned to a resource has been reached",
    );
  return tags;
}

export const tagsOut = (tags: Tags) => [...tags].map(([Key, Value]) => ({ Key, Value }));

const HOSTED_ZONES: Record<string, string> = {
  "us-east-1": "Z35SXDOTRQ7X7K",
  "us-east-2": "Z3AADJGX6KTTL2",
  "us-west-1": "Z368ELLRRE2KJ0",
  "us-west-2": "Z1H1FL5HABSF5",
  "eu-west-1": "Z32O12XQLNTSW2",
  "eu-central-1": "Z215JYRZR1TBD5",
};
export const canonicalHostedZoneId = (region: string) => HOSTED_ZONES[region] ?? "Z1H1FL5HABSF5";
