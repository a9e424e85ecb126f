/**
 * What a CreateListener request asks for, read and checked as ELB does: its default actions (forward to one target
 * group of the load balancer's VPC that no other load balancer uses, fixed-response, redirect) and, for HTTPS, its
 * certificate and security policy.
 */
import { AwsError, validation } from "../../errors";
import type { Params } from "../../types";
import type { ListenerAction, LoadBalancer, TargetGroup } from "./model";
import { DEFAULT_SSL_POLICY, SSL_POLICIES } from "./tls";
import { readRedirect } from "./wire";

export interface ListenerDeps {
  /** The target group of an ARN (TargetGroupNotFound when absent). */
  targetGroup(arn: unknown): TargetGroup;
  /** The load balancers whose listeners forward to a target group. */
  usersOf(tg: TargetGroup): LoadBalancer[];
  /** Whether ACM can serve this certificate in the request's region (imported, ISSUED, with its key). */
  certificateServable(arn: string): boolean;
}

export function readActions(p: Params, lb: LoadBalancer, protocol: string, deps: ListenerDeps): ListenerAction[] {
  const raw = (p.DefaultActions ?? []) as Params[];
  if (raw.length === 0) throw validation("A default action must be specified");
  return raw.map((a): ListenerAction => {
    const type = String(a.Type ?? "");
    if (type === "forward") {
      const arns = [
        ...(a.TargetGroupArn ? [String(a.TargetGroupArn)] : []),
        ...((a.ForwardConfig?.TargetGroups ?? []) as Params[]).map((t) => String(t.TargetGroupArn)),
      ];
      const unique = [...new Set(arns)];
      if (unique.length === 0) throw validation("A target group ARN must be specified for a forward action");
      if (unique.length > 1) throw validation("emulator: forwarding to several target groups is not emulated");
      const tg = deps.targetGroup(unique[0]);
      if (tg.vpcId !== lb.vpcId) {
        throw validation(`The target group '${tg.arn}' is not in the same VPC as the load balancer`);
      }
      const others = deps.usersOf(tg).filter((o) => o.arn !== lb.arn);
      if (others.length > 0) {
        throw new AwsError(
          "TargetGroupAssociationLimit",
          `The following target groups cannot be associated with more than one load balancer: ${tg.arn}`,
        );
      }
      return { type, targetGroupArn: tg.arn };
    }
    if (type === "fixed-response") {
      const cfg = (a.FixedResponseConfig ?? {}) as Params;
      const statusCode = String(cfg.StatusCode ?? "");
      if (!/^[2-5]\d\d$/.test(statusCode)) throw validation("Fixed response status code must be 2XX, 4XX or 5XX");
      const action: ListenerAction = { type, statusCode };
      if (cfg.ContentType !== undefined) action.contentType = String(cfg.ContentType);
      if (cfg.MessageBody !== undefined) action.messageBody = String(cfg.MessageBody);
      return action;
    }
    if (type === "redirect") return readRedirect((a.RedirectConfig ?? {}) as Params, protocol);
    throw validation(
      `emulator: listener action type '${type}' is not emulated (forward, fixed-response and redirect are)`,
    );
  });
}

/**
 * HTTPS listeners: one default certificate that ACM can serve in this
 * region (else CertificateNotFound), and a security policy ALBs know (else
 * SSLPolicyNotFound; the API's default when none is given). HTTP listeners
 * take neither.
 */
export function readTls(
  p: Params,
  protocol: string,
  deps: ListenerDeps,
): { certificateArn?: string; sslPolicy?: string } {
  const certs = ((p.Certificates ?? []) as Params[]).map((c) => String(c.CertificateArn ?? ""));
  if (protocol === "HTTP") {
    if (certs.length > 0 || p.SslPolicy !== undefined) {
      throw validation("Certificates and SslPolicy can only be specified for listeners with protocol HTTPS");
    }
    return {};
  }
  if (certs.length === 0) throw validation("A certificate must be specified for HTTPS listeners");
  if (certs.length > 1) throw validation("You can specify only one default certificate for a listener");
  const certificateArn = certs[0] as string;
  if (!deps.certificateServable(certificateArn)) {
    throw new AwsError("CertificateNotFound", `Certificate '${certificateArn}' not found`);
  }
  const sslPolicy = p.SslPolicy === undefined ? DEFAULT_SSL_POLICY : String(p.SslPolicy);
  if (!SSL_POLICIES[sslPolicy]) throw new AwsError("SSLPolicyNotFound", `SSL policy '${sslPolicy}' not found`);
  return { certificateArn, sslPolicy };
}
