/**
 * Load balancer, target group and listener attributes: the keys AWS accepts with their defaults, the values it
 * refuses, and the Describe/Modify*Attributes shapes.
 */
import { validation } from "../../errors";
import type { Params } from "../../types";

/** Attribute keys AWS accepts, with their defaults (deregistration delay etc. in seconds). */
export const LOAD_BALANCER_ATTRIBUTES: Record<string, string> = {
  "access_logs.s3.enabled": "false",
  "access_logs.s3.bucket": "",
  "access_logs.s3.prefix": "",
  "connection_logs.s3.enabled": "false",
  "connection_logs.s3.bucket": "",
  "connection_logs.s3.prefix": "",
  "client_keep_alive.seconds": "3600",
  "deletion_protection.enabled": "false",
  "idle_timeout.timeout_seconds": "60",
  "load_balancing.cross_zone.enabled": "true",
  "routing.http.desync_mitigation_mode": "defensive",
  "routing.http.drop_invalid_header_fields.enabled": "false",
  "routing.http.preserve_host_header.enabled": "false",
  "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
  "routing.http.xff_client_port.enabled": "false",
  "routing.http.xff_header_processing.mode": "append",
  "routing.http2.enabled": "true",
  "waf.fail_open.enabled": "false",
  "zonal_shift.config.enabled": "false",
};

export const TARGET_GROUP_ATTRIBUTES: Record<string, string> = {
  "deregistration_delay.timeout_seconds": "300",
  "load_balancing.algorithm.type": "round_robin",
  "load_balancing.algorithm.anomaly_mitigation": "off",
  "load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
  "slow_start.duration_seconds": "0",
  "stickiness.enabled": "false",
  "stickiness.type": "lb_cookie",
  "stickiness.lb_cookie.duration_seconds": "86400",
  "stickiness.app_cookie.cookie_name": "",
  "stickiness.app_cookie.duration_seconds": "86400",
  "target_group_health.dns_failover.minimum_healthy_targets.count": "1",
  "target_group_health.dns_failover.minimum_healthy_targets.percentage": "off",
  "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": "1",
  "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "off",
};

export const LISTENER_ATTRIBUTES: Record<string, string> = {
  "routing.http.response.server.enabled": "true",
  "routing.http.response.strict_transport_security.header_value": "",
  "routing.http.response.access_control_allow_origin.header_value": "",
  "routing.http.response.x_frame_options.header_value": "",
};

const ATTRIBUTE_RULES: Record<string, (v: string) => boolean> = {
  "deletion_protection.enabled": (v) => v === "true" || v === "false",
  "idle_timeout.timeout_seconds": (v) => Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= 4000,
  "deregistration_delay.timeout_seconds": (v) => Number.isInteger(Number(v)) && Number(v) >= 0 && Number(v) <= 3600,
  "stickiness.enabled": (v) => v === "true" || v === "false",
  "slow_start.duration_seconds": (v) =>
    Number.isInteger(Number(v)) && (Number(v) === 0 || (Number(v) >= 30 && Number(v) <= 900)),
  "load_balancing.algorithm.type": (v) => ["round_robin", "least_outstanding_requests", "weighted_random"].includes(v),
  "routing.http.response.server.enabled": (v) => v === "true" || v === "false",
};

/** `Attributes.member.N.Key/Value` applied over `current`; unknown keys and bad values refused. */
export function applyAttributes(
  kind: "Load balancer" | "Target group" | "Listener",
  current: Map<string, string>,
  known: Record<string, string>,
  list: unknown,
): void {
  const attrs = (Array.isArray(list) ? list : []) as Params[];
  if (attrs.length === 0) throw validation("Attributes must contain at least one attribute");
  const next = new Map(current);
  for (const a of attrs) {
    const key = String(a.Key ?? "");
    const value = String(a.Value ?? "");
    if (!(key in known)) throw validation(`${kind} attribute key '${key}' is not recognized`);
    const rule = ATTRIBUTE_RULES[key];
    if (rule && !rule(value)) throw validation(`${kind} attribute '${key}' has an invalid value '${value}'`);
    next.set(key, value);
  }
  for (const [k, v] of next) current.set(k, v);
}

export const attributesOut = (m: Map<string, string>) => [...m].map(([Key, Value]) => ({ Key, Value }));
