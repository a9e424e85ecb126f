/** ELBv2 resources as the wire shows them (LoadBalancer, TargetGroup, Listener), and Marker paging. */
import { validation } from "../../errors";
import type { Params } from "../../types";
import { page } from "../paging";
import {
  canonicalHostedZoneId,
  type Listener,
  type ListenerAction,
  type LoadBalancer,
  type TargetGroup,
} from "./model";

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

function actionOut(a: ListenerAction) {
  if (a.type === "forward") {
    return {
      Type: "forward",
      TargetGroupArn: a.targetGroupArn,
      ForwardConfig: {
        TargetGroups: [{ TargetGroupArn: a.targetGroupArn, Weight: 1 }],
        TargetGroupStickinessConfig: { Enabled: false },
      },
    };
  }
  if (a.type === "redirect") {
    return {
      Type: "redirect",
      RedirectConfig: {
        Protocol: a.protocol,
        Port: a.port,
        Host: a.host,
        Path: a.path,
        Query: a.query,
        StatusCode: a.statusCode,
      },
    };
  }
  return {
    Type: "fixed-response",
    FixedResponseConfig: { StatusCode: a.statusCode, ContentType: a.contentType, MessageBody: a.messageBody },
  };
}

export function listenerOut(l: Listener) {
  return {
    ListenerArn: l.arn,
    LoadBalancerArn: l.loadBalancerArn,
    Port: l.port,
    Protocol: l.protocol,
    ...(l.certificateArn ? { Certificates: [{ CertificateArn: l.certificateArn }], SslPolicy: l.sslPolicy } : {}),
    DefaultActions: l.actions.map(actionOut),
  };
}

/**
 * A `redirect` action's RedirectConfig, as the ELB User Guide ("Listener
 * rules", redirect actions) defines it: StatusCode HTTP_301 or HTTP_302 is
 * required; Protocol HTTP, HTTPS or #{protocol}; Port 1-65535 or #{port}; a
 * Path starting with '/'; the missing parts keep the request's
 * (#{protocol}, #{host}, #{port}, /#{path}, #{query}). HTTPS to HTTP is not
 * allowed, and a redirect to the very same URL would loop.
 */
export function readRedirect(cfg: Params, listenerProtocol: string): ListenerAction {
  const statusCode = String(cfg.StatusCode ?? "");
  if (statusCode !== "HTTP_301" && statusCode !== "HTTP_302") {
    throw validation("The redirect status code must be HTTP_301 or HTTP_302");
  }
  const protocol = cfg.Protocol === undefined ? "#{protocol}" : String(cfg.Protocol);
  if (!["HTTP", "HTTPS", "#{protocol}"].includes(protocol)) {
    throw validation(`The redirect protocol '${protocol}' is not valid: use HTTP, HTTPS or #{protocol}`);
  }
  if (listenerProtocol === "HTTPS" && protocol === "HTTP") {
    throw validation("A redirect from HTTPS to HTTP is not allowed");
  }
  const port = cfg.Port === undefined ? "#{port}" : String(cfg.Port);
  if (port !== "#{port}" && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw validation(`The redirect port '${port}' is not valid: use 1-65535 or #{port}`);
  }
  const host = cfg.Host === undefined ? "#{host}" : String(cfg.Host);
  const path = cfg.Path === undefined ? "/#{path}" : String(cfg.Path);
  if (!path.startsWith("/")) throw validation("The redirect path must start with a '/'");
  const query = cfg.Query === undefined ? "#{query}" : String(cfg.Query);
  const sameProtocol = protocol === "#{protocol}" || protocol === listenerProtocol;
  if (sameProtocol && port === "#{port}" && host === "#{host}" && path === "/#{path}" && query === "#{query}") {
    throw validation("The redirect configuration is not valid: it redirects to the same URL (a loop)");
  }
  return { type: "redirect", protocol, port, host, path, query, statusCode };
}

/** The Location of a redirect for one request, with the reserved keywords replaced. */
export function redirectLocation(
  a: Extract<ListenerAction, { type: "redirect" }>,
  req: { protocol: string; host: string; port: number; path: string; query: string },
): string {
  const fill = (text: string) =>
    text
      .replace(/#\{protocol\}/g, req.protocol.toLowerCase())
      .replace(/#\{host\}/g, req.host)
      .replace(/#\{port\}/g, String(req.port))
      .replace(/#\{path\}/g, req.path.replace(/^\//, ""))
      .replace(/#\{query\}/g, req.query);
  const protocol = fill(a.protocol).toLowerCase();
  const port = fill(a.port);
  const defaultPort = (protocol === "https" && port === "443") || (protocol === "http" && port === "80");
  const query = fill(a.query);
  return `${protocol}://${fill(a.host)}${defaultPort ? "" : `:${port}`}${fill(a.path)}${query ? `?${query}` : ""}`;
}

/**
 * ELB's `PageSize` / `Marker` paging (`tag`: the Describe* action), through the one paging helper; ELB's own wording
 * for a bad size or marker. Without `PageSize`, everything in one page.
 */
export function markerPage<T>(tag: string, items: T[], p: Params): { items: T[]; next?: string } {
  let size: number | undefined;
  if (p.PageSize !== undefined) {
    size = Number(p.PageSize);
    if (!Number.isInteger(size) || size < 1 || size > 400) {
      throw validation(
        `1 validation error detected: Value '${p.PageSize}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400`,
      );
    }
  }
  const paged = page(items, { token: p.Marker, max: size, tag, badToken: () => validation("The marker is not valid") });
  return paged.nextToken ? { items: paged.items, next: paged.nextToken } : { items: paged.items };
}
