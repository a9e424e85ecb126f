/** ELBv2 resources as the wire shows them (LoadBalancer, TargetGroup, Listener), and Marker paging. */
import { validation } from "../../errors";
import type { Params } from "../../types";
import { canonicalHostedZoneId, type Listener, type LoadBalancer, type TargetGroup } from "./model";

export function lbOut(lb: LoadBalancer, region: string) {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.address,
    CanonicalHostedZoneId: canonicalHostedZoneId(region),
    CreatedTime: lb.createdTime,
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: lb.vpcId,
    State: { Code: lb.state, Reason: lb.stateReason },
    Type: "application",
    AvailabilityZones: lb.subnets.map((s) => ({
      ZoneName: s.zoneName,
      SubnetId: s.subnetId,
      LoadBalancerAddresses: [],
    })),
    SecurityGroups: lb.securityGroups,
    IpAddressType: lb.ipAddressType,
  };
}

export function tgOut(tg: TargetGroup, loadBalancerArns: string[]) {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: hc.port,
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    HealthCheckPath: hc.path,
    Matcher: { HttpCode: hc.matcher },
    LoadBalancerArns: loadBalancerArns,
    TargetType: tg.targetType,
    ProtocolVersion: tg.protocolVersion,
    IpAddressType: tg.ipAddressType,
  };
}

export function listenerOut(l: Listener) {
  return {
    ListenerArn: l.arn,
    LoadBalancerArn: l.loadBalancerArn,
    Port: l.port,
    Protocol: l.protocol,
    DefaultActions: l.actions.map((a) =>
      a.type === "forward"
        ? {
            Type: "forward",
            TargetGroupArn: a.targetGroupArn,
            ForwardConfig: {
              TargetGroups: [{ TargetGroupArn: a.targetGroupArn, Weight: 1 }],
              TargetGroupStickinessConfig: { Enabled: false },
            },
          }
        : {
            Type: "fixed-response",
            FixedResponseConfig: { StatusCode: a.statusCode, ContentType: a.contentType, MessageBody: a.messageBody },
          },
    ),
  };
}

/** `Marker` / `PageSize` paging (PageSize 1-400). */
export function markerPage<T>(items: T[], p: Params): { items: T[]; next?: string } {
  const start = p.Marker ? Number(Buffer.from(String(p.Marker), "base64url").toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw validation("The marker is not valid");
  if (p.PageSize === undefined) return { items: items.slice(start) };
  const size = Number(p.PageSize);
  if (!Number.isInteger(size) || size < 1 || size > 400) {
    throw validation(
      `1 validation error detected: Value '${p.PageSize}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400`,
    );
  }
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString("base64url") : undefined;
  return next ? { items: items.slice(start, start + size), next } : { items: items.slice(start, start + size) };
}
