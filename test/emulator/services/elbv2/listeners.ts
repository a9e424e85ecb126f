/**
 * HTTP and HTTPS listeners: Create/Describe/DeleteListener(s), their attributes, DescribeSSLPolicies, and which
 * load balancers serve an ACM certificate. The request is read in listener-request.ts; a listener of an active
 * load balancer really listens (traffic.ts).
 */
import { AwsError, validation } from "../../errors";
import { operations, type Params, type RequestContext } from "../../types";
import { acmOf } from "../acm";
import { asArray } from "../ec2/common";
import { applyAttributes, attributesOut, LISTENER_ATTRIBUTES } from "./attributes";
import { arnPrefix, authorizeTagOnCreate, creating, on } from "./iam";
import { type ListenerDeps, readActions, readTls } from "./listener-request";
import { type Listener, portIn, readTags } from "./model";
import { type Elbv2Resources, findLb, findListener, findTg, listenersOf, usersOf } from "./resources";
import type { Elbv2State } from "./state";
import { SSL_POLICIES, sslPolicyOut, type TlsPolicy } from "./tls";
import { listenerOut, markerPage } from "./wire";

/** The load balancers whose listeners serve an ACM certificate (ACM's InUseBy). */
export function certificateUsers(r: Elbv2Resources, certificateArn: string): string[] {
  return [
    ...new Set(
      [...r.listeners.values()].filter((l) => l.certificateArn === certificateArn).map((l) => l.loadBalancerArn),
    ),
  ];
}

export async function createListener(state: Elbv2State, p: Params, ctx: RequestContext) {
  const lb = findLb(state, p.LoadBalancerArn);
  const protocol = String(p.Protocol ?? "HTTP").toUpperCase();
  if (protocol !== "HTTP" && protocol !== "HTTPS") {
    throw new AwsError(
      "UnsupportedProtocol",
      `emulator: only HTTP and HTTPS listeners are emulated, not '${protocol}'`,
    );
  }
  const port = portIn(p.Port, "port");
  const deps: ListenerDeps = {
    targetGroup: (arn) => findTg(state, arn),
    usersOf: (tg) => usersOf(state, tg),
    certificateServable: (arn) => acmOf(state.emulator).material(arn, ctx.region) !== undefined,
  };
  const actions = readActions(p, lb, protocol, deps);
  const tls = readTls(p, protocol, deps);
  const existing = listenersOf(state, lb).find((l) => l.port === port);
  if (existing) {
    // "This operation is idempotent ... If you attempt to create multiple listeners
    // with the same settings, each call succeeds." — API_CreateListener.html
    if (
      existing.protocol === protocol &&
      existing.certificateArn === tls.certificateArn &&
      existing.sslPolicy === tls.sslPolicy &&
      JSON.stringify(existing.actions) === JSON.stringify(actions)
    ) {
      return { Listeners: [listenerOut(existing)] };
    }
    throw new AwsError("DuplicateListener", "A listener already exists on this port for this load balancer");
  }
  const tags = readTags(p.Tags);
  const id = state.pendingId(p);
  const arn = `${arnPrefix(ctx)}:listener/app/${lb.name}/${lb.id}/${id}`;
  await authorizeTagOnCreate(state.emulator, ctx, arn, tags);
  const listener: Listener = {
    arn,
    loadBalancerArn: lb.arn,
    port,
    protocol,
    actions,
    ...tls,
    tags,
    attributes: new Map(Object.entries(LISTENER_ATTRIBUTES)),
    roundRobin: 0,
  };
  state.listeners.set(listener.arn, listener);
  if (lb.state === "active") await state.traffic.start(listener);
  for (const tg of state.targetGroups.values()) state.health.reconcile(tg);
  return { Listeners: [listenerOut(listener)] };
}

export function describeListeners(r: Elbv2Resources, p: Params) {
  const arns = asArray(p.ListenerArns);
  let chosen: Listener[];
  if (p.LoadBalancerArn !== undefined) {
    chosen = listenersOf(r, findLb(r, p.LoadBalancerArn));
  } else if (arns.length > 0) {
    if (arns.some((a) => !r.listeners.has(a)))
      throw new AwsError("ListenerNotFound", "One or more listeners not found");
    chosen = arns.map((a) => findListener(r, a));
  } else {
    throw validation("You must specify either listener ARNs or a load balancer ARN");
  }
  const paged = markerPage("DescribeListeners", chosen, p);
  return { Listeners: paged.items.map((l) => listenerOut(l)), NextMarker: paged.next };
}

export async function deleteListener(state: Elbv2State, p: Params) {
  const l = findListener(state, p.ListenerArn);
  state.listeners.delete(l.arn);
  await state.traffic.stop(l);
  for (const tg of state.targetGroups.values()) state.health.reconcile(tg);
  return {};
}

export function describeSslPolicies(p: Params) {
  const names = asArray(p.Names);
  const unknown = names.filter((n) => !SSL_POLICIES[n]);
  if (unknown.length > 0) throw new AwsError("SSLPolicyNotFound", `SSL policy '${unknown[0]}' not found`);
  const chosen = names.length > 0 ? names : Object.keys(SSL_POLICIES);
  const paged = markerPage("DescribeSSLPolicies", chosen, p);
  return {
    SslPolicies: paged.items.map((n) => sslPolicyOut(n, SSL_POLICIES[n] as TlsPolicy)),
    NextMarker: paged.next,
  };
}

/** The listener operations' records (and DescribeSSLPolicies, the policies an HTTPS listener may name). */
export function listenerOperations(state: Elbv2State) {
  return operations(
    {
      CreateListener: (p, c) => createListener(state, p, c),
      DescribeListeners: (p) => describeListeners(state, p),
      DeleteListener: (p) => deleteListener(state, p),
      DescribeListenerAttributes: (p) => ({ Attributes: attributesOut(findListener(state, p.ListenerArn).attributes) }),
      ModifyListenerAttributes: (p) => {
        const l = findListener(state, p.ListenerArn);
        applyAttributes("Listener", l.attributes, LISTENER_ATTRIBUTES, p.Attributes);
        return { Attributes: attributesOut(l.attributes) };
      },
      DescribeSSLPolicies: (p) => describeSslPolicies(p),
    },
    {
      // Authorized on the load balancer, not on the listener it creates (Service Authorization Reference,
      // list_awselasticloadbalancingv2.html: CreateListener's resource types are loadbalancer/app/* and
      // loadbalancer/net/*). Tagging the new listener is a separate AddTags on the listener's ARN
      // (authorizeTagOnCreate).
      CreateListener: creating(state, "CreateListener", (p, ctx) => [
        String(p.LoadBalancerArn ?? `${arnPrefix(ctx)}:loadbalancer/app/*`),
      ]),
      DescribeListeners: {},
      DeleteListener: on(state, "ListenerArn"),
      DescribeListenerAttributes: {},
      ModifyListenerAttributes: on(state, "ListenerArn"),
      DescribeSSLPolicies: {},
    },
  );
}
