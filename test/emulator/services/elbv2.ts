/**
 * Elastic Load Balancing v2 (AWS Query, 2015-12-01): application load
 * balancers, target groups of type ip, HTTP and HTTPS listeners (TLS really
 * terminated with an ACM certificate, see elbv2/tls.ts), targets and their
 * health, attributes and tags. Load balancers own requester-managed ENIs in
 * EC2, answer real HTTP on a loopback address and really health-check their
 * targets (see elbv2/health.ts and elbv2/traffic.ts).
 */
import { AwsError, queryAccessDenied, validation } from "../errors";
import type { Emulator } from "../server";
import {
  type Handler,
  type Operation,
  operations,
  type Params,
  type RequestContext,
  type Scenario,
  type ServiceModule,
} from "../types";
import { acmOf } from "./acm";
import { ec2Of } from "./ec2";
import { hex } from "./ec2/common";
import { HealthChecker } from "./elbv2/health";
import { type ListenerDeps, readActions, readTls } from "./elbv2/listener-request";
import {
  applyAttributes,
  attributesOut,
  defaultHealthCheck,
  LISTENER_ATTRIBUTES,
  type Listener,
  LOAD_BALANCER_ATTRIBUTES,
  type LoadBalancer,
  portIn,
  readHealthCheck,
  readTags,
  TARGET_GROUP_ATTRIBUTES,
  type Tags,
  type TargetGroup,
  tagsOut,
  validateName,
} from "./elbv2/model";
import type { Elbv2Resources } from "./elbv2/resources";
import * as lookups from "./elbv2/resources";
import * as tagging from "./elbv2/tags";
import { Targets } from "./elbv2/targets";
import { SSL_POLICIES, sslPolicyOut, type TlsPolicy } from "./elbv2/tls";
import { allocateAddress, releaseAddress, Traffic } from "./elbv2/traffic";
import { lbOut, listenerOut, markerPage, tgOut } from "./elbv2/wire";

/** Scenario section `elbv2`: emulated durations (seconds, before timeScale) and provisioning failures. */
export interface Elbv2Scenario {
  /** provisioning -> active (default 60). */
  provisioningSeconds?: number;
  /** How long a deleted load balancer's ENIs linger in EC2 (default 120). */
  eniReleaseSeconds?: number;
  /** How long a newly used target stays in `Elb.RegistrationInProgress` (default 10). */
  registrationSeconds?: number;
  /** Load balancer names (`*` wildcards) whose provisioning ends `failed`. */
  failProvisioning?: string[];
  /** The account already has ELB's service-linked role (default false: a new account). */
  serviceLinkedRole?: boolean;
  /**
   * Eventual consistency: a target registered by RegisterTargets stays
   * invisible to DescribeTargetHealth (`unused`/`Target.NotRegistered`) for
   * this many ms, scaled by timeScale (default 0).
   */
  consistencyMs?: number;
}

interface Config {
  provisioningSeconds: number;
  eniReleaseSeconds: number;
  registrationSeconds: number;
  failProvisioning: string[];
  consistencyMs: number;
}

const DEFAULT_CONFIG: Config = {
  provisioningSeconds: 60,
  eniReleaseSeconds: 120,
  registrationSeconds: 10,
  failProvisioning: [],
  consistencyMs: 0,
};

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );

/** ELBv2's module: the service, what ACM reads of it, and a test's cue. */
export interface Elbv2Service extends ServiceModule {
  /**
   * Ends a load balancer's provisioning now, as its timer would: for a test that holds it in `provisioning`
   * (a long `provisioningSeconds`) until the step under test has shown what it does meanwhile.
   */
  finishProvisioningNow(arn: string): Promise<void>;
  /** The load balancers whose listeners serve an ACM certificate (ACM's InUseBy). */
  certificateUsers(certificateArn: string): string[];
  stop(): Promise<void>;
  created(): unknown[];
  loadScenario(scenario: Scenario): void;
}

export function createElbv2(emulator: Emulator): Elbv2Service {
  const loadBalancers = new Map<string, LoadBalancer>();
  const targetGroups = new Map<string, TargetGroup>();
  const listeners = new Map<string, Listener>();
  let config: Config = { ...DEFAULT_CONFIG };
  const drainTimers = new Set<NodeJS.Timeout>();
  /** Ids chosen while computing resource ARNs for enforcement, reused by the create call. */
  const pendingIds = new WeakMap<Params, string>();
  /**
   * Whether the account's AWSServiceRoleForElasticLoadBalancing exists (scenario
   * `elbv2.serviceLinkedRole`). ELB creates it with the first load balancer of an
   * account, which needs `iam:CreateServiceLinkedRole` (condition
   * `iam:AWSServiceName`) — https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-service-linked-roles.html
   */
  let serviceLinkedRole = false;
  const health = new HealthChecker(emulator, { registrationMs: () => config.registrationSeconds * 1000 }, (tg) =>
    usersOf(tg),
  );
  const traffic = new Traffic({
    emulator,
    health: health,
    targetGroup: (arn) => targetGroups.get(arn),
    loadBalancer: (arn) => loadBalancers.get(arn),
    certificate: (arn) => acmOf(emulator).material(arn, emulator.region),
  });
  const targets = new Targets({
    emulator,
    health: health,
    targetGroup: (arn) => findTg(arn),
    usersOf: (tg) => usersOf(tg),
    drainTimers: drainTimers,
    consistencyMs: () => config.consistencyMs,
  });
  const handlers: Record<string, Handler> = {
    CreateLoadBalancer: (p, c) => createLoadBalancer(p, c),
    DescribeLoadBalancers: (p) => describeLoadBalancers(p),
    DeleteLoadBalancer: (p) => deleteLoadBalancer(p),
    DescribeLoadBalancerAttributes: (p) => ({ Attributes: attributesOut(findLb(p.LoadBalancerArn).attributes) }),
    ModifyLoadBalancerAttributes: (p) => {
      const lb = findLb(p.LoadBalancerArn);
      applyAttributes("Load balancer", lb.attributes, LOAD_BALANCER_ATTRIBUTES, p.Attributes);
      return { Attributes: attributesOut(lb.attributes) };
    },
    CreateTargetGroup: (p, c) => createTargetGroup(p, c),
    DescribeTargetGroups: (p) => describeTargetGroups(p),
    ModifyTargetGroup: (p) => {
      const tg = findTg(p.TargetGroupArn);
      tg.healthCheck = readHealthCheck(p, tg.healthCheck);
      return { TargetGroups: [tgView(tg)] };
    },
    DeleteTargetGroup: (p) => deleteTargetGroup(p),
    DescribeTargetGroupAttributes: (p) => ({ Attributes: attributesOut(findTg(p.TargetGroupArn).attributes) }),
    ModifyTargetGroupAttributes: (p) => {
      const tg = findTg(p.TargetGroupArn);
      applyAttributes("Target group", tg.attributes, TARGET_GROUP_ATTRIBUTES, p.Attributes);
      return { Attributes: attributesOut(tg.attributes) };
    },
    CreateListener: (p, c) => createListener(p, c),
    DescribeListeners: (p) => describeListeners(p),
    DeleteListener: (p) => deleteListener(p),
    DescribeListenerAttributes: (p) => ({ Attributes: attributesOut(findListener(p.ListenerArn).attributes) }),
    ModifyListenerAttributes: (p) => {
      const l = findListener(p.ListenerArn);
      applyAttributes("Listener", l.attributes, LISTENER_ATTRIBUTES, p.Attributes);
      return { Attributes: attributesOut(l.attributes) };
    },
    DescribeSSLPolicies: (p) => {
      const names = list(p.Names);
      const unknown = names.filter((n) => !SSL_POLICIES[n]);
      if (unknown.length > 0) throw new AwsError("SSLPolicyNotFound", `SSL policy '${unknown[0]}' not found`);
      const chosen = names.length > 0 ? names : Object.keys(SSL_POLICIES);
      const paged = markerPage("DescribeSSLPolicies", chosen, p);
      return {
        SslPolicies: paged.items.map((n) => sslPolicyOut(n, SSL_POLICIES[n] as TlsPolicy)),
        NextMarker: paged.next,
      };
    },
    RegisterTargets: (p) => targets.register(p),
    DeregisterTargets: (p) => targets.deregister(p),
    DescribeTargetHealth: (p) => targets.describeHealth(p),
    AddTags: (p) => tagging.addTags(resources, p),
    RemoveTags: (p) => tagging.removeTags(resources, p),
    DescribeTags: (p) => ({
      TagDescriptions: list(p.ResourceArns).map((arn) => ({
        ResourceArn: arn,
        Tags: tagsOut(tagging.taggable(resources, arn)),
      })),
    }),
  };
  // Where each call is authorized (Service Authorization Reference, Elastic Load Balancing V2; Describe* are not
  // resource-scoped) and its condition keys: request tags and elasticloadbalancing:CreateAction on creates, the
  // tags of each existing resource named.
  const tagged = { conditions: (p: Params, _c: RequestContext, r: string[]) => conditions(p, r, undefined) };
  const on = (key: "LoadBalancerArn" | "TargetGroupArn" | "ListenerArn") => ({
    resources: (p: Params) => [String(p[key])],
    ...tagged,
  });
  const create = (action: string) => ({
    conditions: (p: Params, _c: RequestContext, r: string[]) => conditions(p, r, action),
  });
  const onResources = { resources: (p: Params) => list(p.ResourceArns) };
  const iam: Record<string, Omit<Operation, "handler">> = {
    CreateLoadBalancer: {
      resources: (p, ctx) => [`${arnPrefix(ctx)}:loadbalancer/app/${p.Name}/${pendingId(p)}`],
      ...create("CreateLoadBalancer"),
    },
    DescribeLoadBalancers: {},
    DeleteLoadBalancer: on("LoadBalancerArn"),
    DescribeLoadBalancerAttributes: {},
    ModifyLoadBalancerAttributes: on("LoadBalancerArn"),
    CreateTargetGroup: {
      resources: (p, ctx) => [`${arnPrefix(ctx)}:targetgroup/${p.Name}/${pendingId(p)}`],
      ...create("CreateTargetGroup"),
    },
    DescribeTargetGroups: {},
    ModifyTargetGroup: on("TargetGroupArn"),
    DeleteTargetGroup: on("TargetGroupArn"),
    DescribeTargetGroupAttributes: {},
    ModifyTargetGroupAttributes: on("TargetGroupArn"),
    // Authorized on the load balancer, not on the listener it creates (Service Authorization Reference,
    // list_awselasticloadbalancingv2.html: CreateListener's resource types are loadbalancer/app/* and
    // loadbalancer/net/*). Tagging the new listener is a separate AddTags on the listener's ARN
    // (authorizeTagOnCreate).
    CreateListener: {
      resources: (p, ctx) => [String(p.LoadBalancerArn ?? `${arnPrefix(ctx)}:loadbalancer/app/*`)],
      ...create("CreateListener"),
    },
    DescribeListeners: {},
    DeleteListener: on("ListenerArn"),
    DescribeListenerAttributes: {},
    ModifyListenerAttributes: on("ListenerArn"),
    DescribeSSLPolicies: {},
    RegisterTargets: on("TargetGroupArn"),
    DeregisterTargets: on("TargetGroupArn"),
    DescribeTargetHealth: {},
    AddTags: { ...onResources, ...tagged },
    RemoveTags: {
      ...onResources,
      conditions: (p, _c, r) => {
        const context = conditions(p, r, undefined);
        return { ...context, request: { ...context.request, "aws:TagKeys": list(p.TagKeys) } };
      },
    },
    DescribeTags: {},
  };
  const ops = operations(handlers, iam);

  const resources: Elbv2Resources = { loadBalancers, targetGroups, listeners };
  const findLb = (arn: unknown) => lookups.findLb(resources, arn);
  const findTg = (arn: unknown) => lookups.findTg(resources, arn);
  const findListener = (arn: unknown) => lookups.findListener(resources, arn);
  const listenersOf = (lb: LoadBalancer) => lookups.listenersOf(resources, lb);
  const usersOf = (tg: TargetGroup) => lookups.usersOf(resources, tg);
  const authorizeTagOnCreate = (ctx: RequestContext, arn: string, tags: Tags) =>
    tagging.authorizeTagOnCreate(emulator, ctx, arn, tags);
  const conditions = (p: Params, r: string[], createAction: string | undefined) =>
    tagging.conditions(resources, p, r, createAction);

  function arnPrefix(ctx: { region: string; account: string }): string {
    return `arn:aws:elasticloadbalancing:${ctx.region}:${ctx.account}`;
  }

  function pendingId(params: Params): string {
    let id = pendingIds.get(params);
    if (!id) {
      id = hex(16);
      pendingIds.set(params, id);
    }
    return id;
  }

  // ---- load balancers --------------------------------------------------------

  async function createLoadBalancer(p: Params, ctx: RequestContext) {
    const name = validateName("load balancer", p.Name);
    const type = String(p.Type ?? "application");
    if (type !== "application")
      throw validation(`emulator: only application load balancers are emulated, not '${type}'`);
    const scheme = String(p.Scheme ?? "internet-facing");
    if (scheme !== "internet-facing" && scheme !== "internal") {
      throw new AwsError("InvalidScheme", `Scheme '${scheme}' is not valid`);
    }
    const ipAddressType = String(p.IpAddressType ?? "ipv4");
    if (ipAddressType !== "ipv4") throw validation("emulator: only the ipv4 address type is emulated");
    const ec2 = ec2Of(emulator);
    const subnetIds = [...list(p.Subnets), ...((p.SubnetMappings ?? []) as Params[]).map((m) => String(m.SubnetId))];
    const subnets = subnetIds.map((id) => {
      try {
        return ec2.subnet(id);
      } catch {
        throw new AwsError("SubnetNotFound", `The subnet ID '${id}' is not valid`);
      }
    });
    const zones = new Set(subnets.map((s) => s.availabilityZone));
    if (zones.size !== subnets.length) {
      throw validation("A load balancer cannot be attached to multiple subnets in the same Availability Zone");
    }
    if (zones.size < 2) {
      throw validation("At least two subnets in two different Availability Zones must be specified");
    }
    const vpcId = (subnets[0] as (typeof subnets)[number]).vpcId;
    if (subnets.some((s) => s.vpcId !== vpcId)) {
      throw new AwsError("InvalidConfigurationRequest", "All subnets must belong to the same VPC");
    }
    let securityGroups = list(p.SecurityGroups);
    for (const g of securityGroups) {
      if (ec2.securityGroupVpcId(g) !== vpcId) {
        throw new AwsError("InvalidSecurityGroup", `Security group '${g}' does not exist in VPC '${vpcId}'`);
      }
    }
    if (securityGroups.length === 0) {
      const def = ec2.defaultSecurityGroupId(vpcId);
      securityGroups = def ? [def] : [];
    }
    const tags = readTags(p.Tags);
    const settings = JSON.stringify([
      subnetIds.slice().sort(),
      securityGroups.slice().sort(),
      scheme,
      type,
      ipAddressType,
    ]);
    const existing = [...loadBalancers.values()].find((l) => l.name === name);
    if (existing) {
      // AWS answers an identical create with the existing load balancer.
      if (existing.settings === settings) return { LoadBalancers: [lbOut(existing, emulator.region)] };
      throw new AwsError("DuplicateLoadBalancerName", "A load balancer with the same name already exists");
    }
    const id = pendingId(p);
    const arn = `${arnPrefix(ctx)}:loadbalancer/app/${name}/${id}`;
    await authorizeTagOnCreate(ctx, arn, tags);
    await ensureServiceLinkedRole(ctx);
    const lb: LoadBalancer = {
      arn,
      id,
      name,
      address: allocateAddress(),
      scheme,
      vpcId,
      subnets: subnets.map((s) => ({ subnetId: s.id, zoneName: s.availabilityZone })),
      securityGroups,
      ipAddressType,
      state: "provisioning",
      createdTime: new Date(),
      tags,
      attributes: new Map(Object.entries(LOAD_BALANCER_ATTRIBUTES)),
      eniIds: [],
      eniAddresses: [],
      settings,
    };
    for (const s of subnets) {
      const eni = ec2.addNetworkInterface({
        subnetId: s.id,
        groups: securityGroups,
        description: `ELB app/${name}/${id}`,
        interfaceType: "interface",
        requesterId: "amazon-elb",
        requesterManaged: true,
        instanceOwnerId: "amazon-elb",
      });
      lb.eniIds.push(eni.id);
      lb.eniAddresses.push(eni.privateIpAddress);
    }
    loadBalancers.set(lb.arn, lb);
    lb.timer = setTimeout(() => void finishProvisioning(lb), emulator.scaled(config.provisioningSeconds * 1000));
    lb.timer.unref();
    return { LoadBalancers: [lbOut(lb, emulator.region)] };
  }

  async function ensureServiceLinkedRole(ctx: RequestContext): Promise<void> {
    if (serviceLinkedRole) return;
    const service = "elasticloadbalancing.amazonaws.com";
    if (emulator.enforce && emulator.authorizer) {
      await emulator.authorizer(
        ctx,
        "iam:CreateServiceLinkedRole",
        [`arn:aws:iam::${ctx.account}:role/aws-service-role/${service}/AWSServiceRoleForElasticLoadBalancing`],
        { request: { "iam:AWSServiceName": service } },
      );
    }
    serviceLinkedRole = true;
  }

  /**
   * Ends a load balancer's provisioning now, as its timer would: for a test that holds it in `provisioning`
   * (a long `provisioningSeconds`) until the step under test has shown what it does meanwhile.
   */
  async function finishProvisioningNow(arn: string): Promise<void> {
    const lb = loadBalancers.get(arn);
    if (lb?.state !== "provisioning") throw new Error(`emulator: no load balancer ${arn} is provisioning`);
    clearTimeout(lb.timer);
    await finishProvisioning(lb);
  }

  async function finishProvisioning(lb: LoadBalancer): Promise<void> {
    delete lb.timer;
    if (!loadBalancers.has(lb.arn)) return;
    if (config.failProvisioning.some((pattern) => glob(pattern).test(lb.name))) {
      lb.state = "failed";
      lb.stateReason = "Load balancer provisioning failed (emulator scenario: elbv2.failProvisioning)";
      return;
    }
    lb.state = "active";
    await Promise.all(listenersOf(lb).map((l) => traffic.start(l)));
    for (const tg of targetGroups.values()) health.reconcile(tg);
  }

  function describeLoadBalancers(p: Params) {
    const arns = list(p.LoadBalancerArns);
    const names = list(p.Names);
    if (arns.length > 0 && names.length > 0)
      throw validation("Load balancer names and load balancer ARNs cannot be specified at the same time");
    let lbs = [...loadBalancers.values()];
    if (arns.length > 0) {
      if (arns.some((a) => !loadBalancers.has(a)))
        throw new AwsError("LoadBalancerNotFound", "One or more load balancers not found");
      lbs = lbs.filter((l) => arns.includes(l.arn));
    }
    if (names.length > 0) {
      const missing = names.filter((n) => !lbs.some((l) => l.name === n));
      if (missing.length > 0)
        throw new AwsError("LoadBalancerNotFound", `Load balancers '[${missing.join(", ")}]' not found`);
      lbs = lbs.filter((l) => names.includes(l.name));
    }
    const paged = markerPage("DescribeLoadBalancers", lbs, p);
    return { LoadBalancers: paged.items.map((l) => lbOut(l, emulator.region)), NextMarker: paged.next };
  }

  async function deleteLoadBalancer(p: Params) {
    // "If the load balancer does not exist or has already been deleted, the call
    // succeeds." — https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteLoadBalancer.html
    if (!loadBalancers.has(String(p.LoadBalancerArn))) return {};
    const lb = findLb(p.LoadBalancerArn);
    if (lb.attributes.get("deletion_protection.enabled") === "true") {
      throw new AwsError(
        "OperationNotPermitted",
        `Load balancer '${lb.arn}' cannot be deleted because deletion protection is enabled`,
      );
    }
    clearTimeout(lb.timer);
    loadBalancers.delete(lb.arn);
    for (const l of listenersOf(lb)) {
      listeners.delete(l.arn);
      await traffic.stop(l);
    }
    releaseAddress(lb.address);
    const ec2 = ec2Of(emulator);
    for (const eni of lb.eniIds) ec2.removeNetworkInterface(eni, config.eniReleaseSeconds * 1000);
    for (const tg of targetGroups.values()) health.reconcile(tg);
    return {};
  }

  // ---- target groups ---------------------------------------------------------

  async function createTargetGroup(p: Params, ctx: RequestContext) {
    const name = validateName("target group", p.Name);
    const targetType = String(p.TargetType ?? "instance");
    if (targetType !== "ip")
      throw validation(`emulator: only target groups of type 'ip' are emulated, not '${targetType}'`);
    const protocol = String(p.Protocol ?? "").toUpperCase();
    if (!protocol) throw validation("A protocol must be specified");
    if (protocol !== "HTTP") throw validation(`emulator: only HTTP target groups are emulated, not '${protocol}'`);
    const port = portIn(p.Port, "port");
    if (!p.VpcId) throw validation("A VPC ID must be specified");
    const vpcId = String(p.VpcId);
    if (!ec2Of(emulator).vpcExists(vpcId)) throw validation(`The VPC ID '${vpcId}' is not found`);
    const healthCheck = readHealthCheck(p, defaultHealthCheck());
    const protocolVersion = String(p.ProtocolVersion ?? "HTTP1");
    const tags = readTags(p.Tags);
    const settings = JSON.stringify([protocol, port, vpcId, targetType, protocolVersion, healthCheck]);
    const existing = [...targetGroups.values()].find((t) => t.name === name);
    if (existing) {
      if (existing.settings === settings) return { TargetGroups: [tgView(existing)] };
      throw new AwsError(
        "DuplicateTargetGroupName",
        "A target group with the same name exists, but with different settings",
      );
    }
    const id = pendingId(p);
    const arn = `${arnPrefix(ctx)}:targetgroup/${name}/${id}`;
    await authorizeTagOnCreate(ctx, arn, tags);
    const tg: TargetGroup = {
      arn,
      id,
      name,
      protocol,
      protocolVersion,
      port,
      vpcId,
      targetType,
      ipAddressType: "ipv4",
      healthCheck,
      tags,
      attributes: new Map(Object.entries(TARGET_GROUP_ATTRIBUTES)),
      targets: new Map(),
      settings,
    };
    targetGroups.set(tg.arn, tg);
    return { TargetGroups: [tgView(tg)] };
  }

  function describeTargetGroups(p: Params) {
    const arns = list(p.TargetGroupArns);
    const names = list(p.Names);
    let tgs = [...targetGroups.values()];
    if (p.LoadBalancerArn !== undefined) {
      const lb = findLb(p.LoadBalancerArn);
      tgs = tgs.filter((t) => usersOf(t).includes(lb));
    }
    if (arns.length > 0) {
      if (arns.some((a) => !targetGroups.has(a)))
        throw new AwsError("TargetGroupNotFound", "One or more target groups not found");
      tgs = tgs.filter((t) => arns.includes(t.arn));
    }
    if (names.length > 0) {
      const missing = names.filter((n) => !tgs.some((t) => t.name === n));
      if (missing.length > 0)
        throw new AwsError("TargetGroupNotFound", `Target groups '[${missing.join(", ")}]' not found`);
      tgs = tgs.filter((t) => names.includes(t.name));
    }
    const paged = markerPage("DescribeTargetGroups", tgs, p);
    return { TargetGroups: paged.items.map((t) => tgView(t)), NextMarker: paged.next };
  }

  function deleteTargetGroup(p: Params) {
    const tg = targetGroups.get(String(p.TargetGroupArn));
    // Deleting a target group that does not exist succeeds, as in AWS.
    if (!tg) return {};
    if (usersOf(tg).length > 0) {
      throw new AwsError("ResourceInUse", `Target group '${tg.arn}' is currently in use by a listener or a rule`);
    }
    for (const t of tg.targets.values()) health.stop(t);
    targetGroups.delete(tg.arn);
    return {};
  }

  // ---- listeners -------------------------------------------------------------

  /** The load balancers whose listeners serve an ACM certificate (ACM's InUseBy). */
  function certificateUsers(certificateArn: string): string[] {
    return [
      ...new Set(
        [...listeners.values()].filter((l) => l.certificateArn === certificateArn).map((l) => l.loadBalancerArn),
      ),
    ];
  }

  async function createListener(p: Params, ctx: RequestContext) {
    const lb = findLb(p.LoadBalancerArn);
    const protocol = String(p.Protocol ?? "HTTP").toUpperCase();
    if (protocol !== "HTTP" && protocol !== "HTTPS") {
      throw new AwsError(
        "UnsupportedProtocol",
        `emulator: only HTTP and HTTPS listeners are emulated, not '${protocol}'`,
      );
    }
    const port = portIn(p.Port, "port");
    const deps: ListenerDeps = {
      targetGroup: (arn) => findTg(arn),
      usersOf: (tg) => usersOf(tg),
      certificateServable: (arn) => acmOf(emulator).material(arn, ctx.region) !== undefined,
    };
    const actions = readActions(p, lb, protocol, deps);
    const tls = readTls(p, protocol, deps);
    const existing = listenersOf(lb).find((l) => l.port === port);
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
    const id = pendingId(p);
    const arn = `${arnPrefix(ctx)}:listener/app/${lb.name}/${lb.id}/${id}`;
    await authorizeTagOnCreate(ctx, arn, tags);
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
    listeners.set(listener.arn, listener);
    if (lb.state === "active") await traffic.start(listener);
    for (const tg of targetGroups.values()) health.reconcile(tg);
    return { Listeners: [listenerOut(listener)] };
  }

  function describeListeners(p: Params) {
    const arns = list(p.ListenerArns);
    let chosen: Listener[];
    if (p.LoadBalancerArn !== undefined) {
      chosen = listenersOf(findLb(p.LoadBalancerArn));
    } else if (arns.length > 0) {
      if (arns.some((a) => !listeners.has(a)))
        throw new AwsError("ListenerNotFound", "One or more listeners not found");
      chosen = arns.map((a) => findListener(a));
    } else {
      throw validation("You must specify either listener ARNs or a load balancer ARN");
    }
    const paged = markerPage("DescribeListeners", chosen, p);
    return { Listeners: paged.items.map((l) => listenerOut(l)), NextMarker: paged.next };
  }

  async function deleteListener(p: Params) {
    const l = findListener(p.ListenerArn);
    listeners.delete(l.arn);
    await traffic.stop(l);
    for (const tg of targetGroups.values()) health.reconcile(tg);
    return {};
  }

  function tgView(tg: TargetGroup) {
    return tgOut(
      tg,
      usersOf(tg).map((l) => l.arn),
    );
  }

  // ---- module lifecycle ------------------------------------------------------------

  function loadScenario(scenario: Scenario): void {
    const section = scenario.elbv2 as Elbv2Scenario | undefined;
    if (!section) return;
    const known = [
      "provisioningSeconds",
      "eniReleaseSeconds",
      "registrationSeconds",
      "failProvisioning",
      "consistencyMs",
      "serviceLinkedRole",
    ];
    for (const key of Object.keys(section)) {
      if (!known.includes(key)) throw new Error(`scenario elbv2.${key} is not known (known: ${known.join(", ")})`);
    }
    const { serviceLinkedRole: hasRole, ...durations } = section;
    if (hasRole !== undefined) serviceLinkedRole = hasRole;
    config = { ...config, ...durations } as Config;
  }

  async function reset(): Promise<void> {
    await stop();
    loadBalancers.clear();
    targetGroups.clear();
    listeners.clear();
    config = { ...DEFAULT_CONFIG };
    serviceLinkedRole = false;
  }

  async function stop(): Promise<void> {
    for (const lb of loadBalancers.values()) {
      clearTimeout(lb.timer);
      releaseAddress(lb.address);
    }
    for (const tg of targetGroups.values()) for (const t of tg.targets.values()) health.stop(t);
    for (const timer of drainTimers) clearTimeout(timer);
    drainTimers.clear();
    await Promise.all([...listeners.values()].map((l) => traffic.stop(l)));
  }

  function snapshot(): unknown {
    return {
      config: config,
      loadBalancers: [...loadBalancers.values()].map((lb) => ({
        ...lbOut(lb, emulator.region),
        Tags: Object.fromEntries(lb.tags),
        Attributes: Object.fromEntries(lb.attributes),
        NetworkInterfaceIds: lb.eniIds,
        Listeners: listenersOf(lb).map((l) => ({
          ...listenerOut(l),
          Tags: Object.fromEntries(l.tags),
          Listening: l.server !== undefined,
          BindError: l.bindError,
        })),
      })),
      targetGroups: [...targetGroups.values()].map((tg) => ({
        ...tgView(tg),
        Tags: Object.fromEntries(tg.tags),
        Attributes: Object.fromEntries(tg.attributes),
        Targets: [...tg.targets.values()].map((t) => ({
          Id: t.id,
          Port: t.port,
          State: t.state,
          Reason: t.reason,
          Description: t.description,
        })),
      })),
    };
  }

  /** Every load balancer, listener and target group still present (all are created through the API). */
  function created(): unknown[] {
    return [
      ...[...loadBalancers.values()].map((l) => ({ type: "load-balancer", arn: l.arn, name: l.name })),
      ...[...listeners.values()].map((l) => ({ type: "listener", arn: l.arn, port: l.port })),
      ...[...targetGroups.values()].map((t) => ({ type: "target-group", arn: t.arn, name: t.name })),
    ];
  }

  return {
    signingName: "elasticloadbalancing",
    protocol: "query",
    xmlns: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
    iamPrefix: "elasticloadbalancing",
    accessDenied: queryAccessDenied,
    operations: ops,
    finishProvisioningNow,
    certificateUsers,
    loadScenario,
    reset,
    stop,
    snapshot,
    created,
  };
}
