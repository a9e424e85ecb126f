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
  type ConditionContext,
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

export class Elbv2Service implements ServiceModule {
  readonly signingName = "elasticloadbalancing";
  readonly protocol = "query" as const;
  readonly xmlns = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
  readonly iamPrefix = "elasticloadbalancing";
  readonly accessDenied = queryAccessDenied;
  readonly operations: Record<string, Operation>;
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly targetGroups = new Map<string, TargetGroup>();
  readonly listeners = new Map<string, Listener>();
  private config: Config = { ...DEFAULT_CONFIG };
  private readonly health: HealthChecker;
  private readonly traffic: Traffic;
  private readonly targets: Targets;
  private readonly drainTimers = new Set<NodeJS.Timeout>();
  /** Ids chosen while computing resource ARNs for enforcement, reused by the create call. */
  private readonly pendingIds = new WeakMap<Params, string>();
  /**
   * Whether the account's AWSServiceRoleForElasticLoadBalancing exists (scenario
   * `elbv2.serviceLinkedRole`). ELB creates it with the first load balancer of an
   * account, which needs `iam:CreateServiceLinkedRole` (condition
   * `iam:AWSServiceName`) — https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-service-linked-roles.html
   */
  private serviceLinkedRole = false;

  constructor(private readonly emulator: Emulator) {
    this.health = new HealthChecker(emulator, { registrationMs: () => this.config.registrationSeconds * 1000 }, (tg) =>
      this.usersOf(tg),
    );
    this.traffic = new Traffic({
      emulator,
      health: this.health,
      targetGroup: (arn) => this.targetGroups.get(arn),
      loadBalancer: (arn) => this.loadBalancers.get(arn),
      certificate: (arn) => acmOf(emulator).material(arn, emulator.region),
    });
    this.targets = new Targets({
      emulator,
      health: this.health,
      targetGroup: (arn) => this.tg(arn),
      usersOf: (tg) => this.usersOf(tg),
      drainTimers: this.drainTimers,
      consistencyMs: () => this.config.consistencyMs,
    });
    const handlers: Record<string, Handler> = {
      CreateLoadBalancer: (p, c) => this.createLoadBalancer(p, c),
      DescribeLoadBalancers: (p) => this.describeLoadBalancers(p),
      DeleteLoadBalancer: (p) => this.deleteLoadBalancer(p),
      DescribeLoadBalancerAttributes: (p) => ({ Attributes: attributesOut(this.lb(p.LoadBalancerArn).attributes) }),
      ModifyLoadBalancerAttributes: (p) => {
        const lb = this.lb(p.LoadBalancerArn);
        applyAttributes("Load balancer", lb.attributes, LOAD_BALANCER_ATTRIBUTES, p.Attributes);
        return { Attributes: attributesOut(lb.attributes) };
      },
      CreateTargetGroup: (p, c) => this.createTargetGroup(p, c),
      DescribeTargetGroups: (p) => this.describeTargetGroups(p),
      ModifyTargetGroup: (p) => {
        const tg = this.tg(p.TargetGroupArn);
        tg.healthCheck = readHealthCheck(p, tg.healthCheck);
        return { TargetGroups: [this.tgOut(tg)] };
      },
      DeleteTargetGroup: (p) => this.deleteTargetGroup(p),
      DescribeTargetGroupAttributes: (p) => ({ Attributes: attributesOut(this.tg(p.TargetGroupArn).attributes) }),
      ModifyTargetGroupAttributes: (p) => {
        const tg = this.tg(p.TargetGroupArn);
        applyAttributes("Target group", tg.attributes, TARGET_GROUP_ATTRIBUTES, p.Attributes);
        return { Attributes: attributesOut(tg.attributes) };
      },
      CreateListener: (p, c) => this.createListener(p, c),
      DescribeListeners: (p) => this.describeListeners(p),
      DeleteListener: (p) => this.deleteListener(p),
      DescribeListenerAttributes: (p) => ({ Attributes: attributesOut(this.listener(p.ListenerArn).attributes) }),
      ModifyListenerAttributes: (p) => {
        const l = this.listener(p.ListenerArn);
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
      RegisterTargets: (p) => this.targets.register(p),
      DeregisterTargets: (p) => this.targets.deregister(p),
      DescribeTargetHealth: (p) => this.targets.describeHealth(p),
      AddTags: (p) => this.addTags(p),
      RemoveTags: (p) => this.removeTags(p),
      DescribeTags: (p) => ({
        TagDescriptions: list(p.ResourceArns).map((arn) => ({ ResourceArn: arn, Tags: tagsOut(this.taggable(arn)) })),
      }),
    };
    // Where each call is authorized (Service Authorization Reference, Elastic Load Balancing V2; Describe* are not
    // resource-scoped) and its condition keys: request tags and elasticloadbalancing:CreateAction on creates, the
    // tags of each existing resource named.
    const tagged = { conditions: (p: Params, _c: RequestContext, r: string[]) => this.conditions(p, r, undefined) };
    const on = (key: "LoadBalancerArn" | "TargetGroupArn" | "ListenerArn") => ({
      resources: (p: Params) => [String(p[key])],
      ...tagged,
    });
    const create = (action: string) => ({
      conditions: (p: Params, _c: RequestContext, r: string[]) => this.conditions(p, r, action),
    });
    const onResources = { resources: (p: Params) => list(p.ResourceArns) };
    const iam: Record<string, Omit<Operation, "handler">> = {
      CreateLoadBalancer: {
        resources: (p, ctx) => [`${this.arnPrefix(ctx)}:loadbalancer/app/${p.Name}/${this.pendingId(p)}`],
        ...create("CreateLoadBalancer"),
      },
      DescribeLoadBalancers: {},
      DeleteLoadBalancer: on("LoadBalancerArn"),
      DescribeLoadBalancerAttributes: {},
      ModifyLoadBalancerAttributes: on("LoadBalancerArn"),
      CreateTargetGroup: {
        resources: (p, ctx) => [`${this.arnPrefix(ctx)}:targetgroup/${p.Name}/${this.pendingId(p)}`],
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
        resources: (p, ctx) => [String(p.LoadBalancerArn ?? `${this.arnPrefix(ctx)}:loadbalancer/app/*`)],
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
          const context = this.conditions(p, r, undefined);
          return { ...context, request: { ...context.request, "aws:TagKeys": list(p.TagKeys) } };
        },
      },
      DescribeTags: {},
    };
    this.operations = operations(handlers, iam);
  }

  // ---- lookups -------------------------------------------------------------

  private lb(arn: unknown): LoadBalancer {
    const lb = this.loadBalancers.get(String(arn));
    if (!lb) throw new AwsError("LoadBalancerNotFound", `Load balancer '${arn}' not found`);
    return lb;
  }

  private tg(arn: unknown): TargetGroup {
    const tg = this.targetGroups.get(String(arn));
    if (!tg) throw new AwsError("TargetGroupNotFound", `Target groups '${arn}' not found`);
    return tg;
  }

  private listener(arn: unknown): Listener {
    const l = this.listeners.get(String(arn));
    if (!l) throw new AwsError("ListenerNotFound", `Listener '${arn}' not found`);
    return l;
  }

  private listenersOf(lb: LoadBalancer): Listener[] {
    return [...this.listeners.values()].filter((l) => l.loadBalancerArn === lb.arn);
  }

  /** Load balancers with a listener forwarding to the group. */
  private usersOf(tg: TargetGroup): LoadBalancer[] {
    const arns = new Set(
      [...this.listeners.values()]
        .filter((l) => l.actions.some((a) => a.type === "forward" && a.targetGroupArn === tg.arn))
        .map((l) => l.loadBalancerArn),
    );
    return [...arns].map((a) => this.loadBalancers.get(a)).filter((x): x is LoadBalancer => x !== undefined);
  }

  private arnPrefix(ctx: { region: string; account: string }): string {
    return `arn:aws:elasticloadbalancing:${ctx.region}:${ctx.account}`;
  }

  private pendingId(params: Params): string {
    let id = this.pendingIds.get(params);
    if (!id) {
      id = hex(16);
      this.pendingIds.set(params, id);
    }
    return id;
  }

  // ---- load balancers --------------------------------------------------------

  private async createLoadBalancer(p: Params, ctx: RequestContext) {
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
    const ec2 = ec2Of(this.emulator);
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
    const existing = [...this.loadBalancers.values()].find((l) => l.name === name);
    if (existing) {
      // AWS answers an identical create with the existing load balancer.
      if (existing.settings === settings) return { LoadBalancers: [lbOut(existing, this.emulator.region)] };
      throw new AwsError("DuplicateLoadBalancerName", "A load balancer with the same name already exists");
    }
    const id = this.pendingId(p);
    const arn = `${this.arnPrefix(ctx)}:loadbalancer/app/${name}/${id}`;
    await this.authorizeTagOnCreate(ctx, arn, tags);
    await this.ensureServiceLinkedRole(ctx);
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
    this.loadBalancers.set(lb.arn, lb);
    lb.timer = setTimeout(
      () => void this.finishProvisioning(lb),
      this.emulator.scaled(this.config.provisioningSeconds * 1000),
    );
    lb.timer.unref();
    return { LoadBalancers: [lbOut(lb, this.emulator.region)] };
  }

  private async ensureServiceLinkedRole(ctx: RequestContext): Promise<void> {
    if (this.serviceLinkedRole) return;
    const service = "elasticloadbalancing.amazonaws.com";
    if (this.emulator.enforce && this.emulator.authorizer) {
      await this.emulator.authorizer(
        ctx,
        "iam:CreateServiceLinkedRole",
        [`arn:aws:iam::${ctx.account}:role/aws-service-role/${service}/AWSServiceRoleForElasticLoadBalancing`],
        { request: { "iam:AWSServiceName": service } },
      );
    }
    this.serviceLinkedRole = true;
  }

  /**
   * Ends a load balancer's provisioning now, as its timer would: for a test that holds it in `provisioning`
   * (a long `provisioningSeconds`) until the step under test has shown what it does meanwhile.
   */
  async finishProvisioningNow(arn: string): Promise<void> {
    const lb = this.loadBalancers.get(arn);
    if (lb?.state !== "provisioning") throw new Error(`emulator: no load balancer ${arn} is provisioning`);
    clearTimeout(lb.timer);
    await this.finishProvisioning(lb);
  }

  private async finishProvisioning(lb: LoadBalancer): Promise<void> {
    delete lb.timer;
    if (!this.loadBalancers.has(lb.arn)) return;
    if (this.config.failProvisioning.some((pattern) => glob(pattern).test(lb.name))) {
      lb.state = "failed";
      lb.stateReason = "Load balancer provisioning failed (emulator scenario: elbv2.failProvisioning)";
      return;
    }
    lb.state = "active";
    await Promise.all(this.listenersOf(lb).map((l) => this.traffic.start(l)));
    for (const tg of this.targetGroups.values()) this.health.reconcile(tg);
  }

  private describeLoadBalancers(p: Params) {
    const arns = list(p.LoadBalancerArns);
    const names = list(p.Names);
    if (arns.length > 0 && names.length > 0)
      throw validation("Load balancer names and load balancer ARNs cannot be specified at the same time");
    let lbs = [...this.loadBalancers.values()];
    if (arns.length > 0) {
      if (arns.some((a) => !this.loadBalancers.has(a)))
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
    return { LoadBalancers: paged.items.map((l) => lbOut(l, this.emulator.region)), NextMarker: paged.next };
  }

  private async deleteLoadBalancer(p: Params) {
    // "If the load balancer does not exist or has already been deleted, the call
    // succeeds." — https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteLoadBalancer.html
    if (!this.loadBalancers.has(String(p.LoadBalancerArn))) return {};
    const lb = this.lb(p.LoadBalancerArn);
    if (lb.attributes.get("deletion_protection.enabled") === "true") {
      throw new AwsError(
        "OperationNotPermitted",
        `Load balancer '${lb.arn}' cannot be deleted because deletion protection is enabled`,
      );
    }
    clearTimeout(lb.timer);
    this.loadBalancers.delete(lb.arn);
    for (const l of this.listenersOf(lb)) {
      this.listeners.delete(l.arn);
      await this.traffic.stop(l);
    }
    releaseAddress(lb.address);
    const ec2 = ec2Of(this.emulator);
    for (const eni of lb.eniIds) ec2.removeNetworkInterface(eni, this.config.eniReleaseSeconds * 1000);
    for (const tg of this.targetGroups.values()) this.health.reconcile(tg);
    return {};
  }

  // ---- target groups ---------------------------------------------------------

  private async createTargetGroup(p: Params, ctx: RequestContext) {
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
    if (!ec2Of(this.emulator).vpcExists(vpcId)) throw validation(`The VPC ID '${vpcId}' is not found`);
    const healthCheck = readHealthCheck(p, defaultHealthCheck());
    const protocolVersion = String(p.ProtocolVersion ?? "HTTP1");
    const tags = readTags(p.Tags);
    const settings = JSON.stringify([protocol, port, vpcId, targetType, protocolVersion, healthCheck]);
    const existing = [...this.targetGroups.values()].find((t) => t.name === name);
    if (existing) {
      if (existing.settings === settings) return { TargetGroups: [this.tgOut(existing)] };
      throw new AwsError(
        "DuplicateTargetGroupName",
        "A target group with the same name exists, but with different settings",
      );
    }
    const id = this.pendingId(p);
    const arn = `${this.arnPrefix(ctx)}:targetgroup/${name}/${id}`;
    await this.authorizeTagOnCreate(ctx, arn, tags);
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
    this.targetGroups.set(tg.arn, tg);
    return { TargetGroups: [this.tgOut(tg)] };
  }

  private describeTargetGroups(p: Params) {
    const arns = list(p.TargetGroupArns);
    const names = list(p.Names);
    let tgs = [...this.targetGroups.values()];
    if (p.LoadBalancerArn !== undefined) {
      const lb = this.lb(p.LoadBalancerArn);
      tgs = tgs.filter((t) => this.usersOf(t).includes(lb));
    }
    if (arns.length > 0) {
      if (arns.some((a) => !this.targetGroups.has(a)))
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
    return { TargetGroups: paged.items.map((t) => this.tgOut(t)), NextMarker: paged.next };
  }

  private deleteTargetGroup(p: Params) {
    const tg = this.targetGroups.get(String(p.TargetGroupArn));
    // Deleting a target group that does not exist succeeds, as in AWS.
    if (!tg) return {};
    if (this.usersOf(tg).length > 0) {
      throw new AwsError("ResourceInUse", `Target group '${tg.arn}' is currently in use by a listener or a rule`);
    }
    for (const t of tg.targets.values()) this.health.stop(t);
    this.targetGroups.delete(tg.arn);
    return {};
  }

  // ---- listeners -------------------------------------------------------------

  /** The load balancers whose listeners serve an ACM certificate (ACM's InUseBy). */
  certificateUsers(certificateArn: string): string[] {
    return [
      ...new Set(
        [...this.listeners.values()].filter((l) => l.certificateArn === certificateArn).map((l) => l.loadBalancerArn),
      ),
    ];
  }

  private async createListener(p: Params, ctx: RequestContext) {
    const lb = this.lb(p.LoadBalancerArn);
    const protocol = String(p.Protocol ?? "HTTP").toUpperCase();
    if (protocol !== "HTTP" && protocol !== "HTTPS") {
      throw new AwsError(
        "UnsupportedProtocol",
        `emulator: only HTTP and HTTPS listeners are emulated, not '${protocol}'`,
      );
    }
    const port = portIn(p.Port, "port");
    const deps: ListenerDeps = {
      targetGroup: (arn) => this.tg(arn),
      usersOf: (tg) => this.usersOf(tg),
      certificateServable: (arn) => acmOf(this.emulator).material(arn, ctx.region) !== undefined,
    };
    const actions = readActions(p, lb, protocol, deps);
    const tls = readTls(p, protocol, deps);
    const existing = this.listenersOf(lb).find((l) => l.port === port);
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
    const id = this.pendingId(p);
    const arn = `${this.arnPrefix(ctx)}:listener/app/${lb.name}/${lb.id}/${id}`;
    await this.authorizeTagOnCreate(ctx, arn, tags);
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
    this.listeners.set(listener.arn, listener);
    if (lb.state === "active") await this.traffic.start(listener);
    for (const tg of this.targetGroups.values()) this.health.reconcile(tg);
    return { Listeners: [listenerOut(listener)] };
  }

  private describeListeners(p: Params) {
    const arns = list(p.ListenerArns);
    let listeners: Listener[];
    if (p.LoadBalancerArn !== undefined) {
      listeners = this.listenersOf(this.lb(p.LoadBalancerArn));
    } else if (arns.length > 0) {
      if (arns.some((a) => !this.listeners.has(a)))
        throw new AwsError("ListenerNotFound", "One or more listeners not found");
      listeners = arns.map((a) => this.listener(a));
    } else {
      throw validation("You must specify either listener ARNs or a load balancer ARN");
    }
    const paged = markerPage("DescribeListeners", listeners, p);
    return { Listeners: paged.items.map((l) => listenerOut(l)), NextMarker: paged.next };
  }

  private async deleteListener(p: Params) {
    const l = this.listener(p.ListenerArn);
    this.listeners.delete(l.arn);
    await this.traffic.stop(l);
    for (const tg of this.targetGroups.values()) this.health.reconcile(tg);
    return {};
  }

  private tgOut(tg: TargetGroup) {
    return tgOut(
      tg,
      this.usersOf(tg).map((l) => l.arn),
    );
  }

  // ---- tags --------------------------------------------------------------------------

  private taggable(arn: string): Tags {
    if (arn.includes(":loadbalancer/")) return this.lb(arn).tags;
    if (arn.includes(":targetgroup/")) return this.tg(arn).tags;
    if (arn.includes(":listener/")) return this.listener(arn).tags;
    throw validation(`'${arn}' is not a valid load balancer, target group or listener ARN`);
  }

  private addTags(p: Params) {
    const arns = list(p.ResourceArns);
    if (arns.length === 0) throw validation("At least one resource ARN must be specified");
    if (arns.length > 20) throw validation("A maximum of 20 resource ARNs can be specified");
    const tags = readTags(p.Tags);
    const targets = arns.map((a) => this.taggable(a));
    for (const t of targets) {
      const merged = new Map([...t, ...tags]);
      if (merged.size > 50) {
        throw new AwsError(
          "TooManyTags",
          "The quota for the number of tags that can be assigned to a resource has been reached",
        );
      }
    }
    for (const t of targets) for (const [k, v] of tags) t.set(k, v);
    return {};
  }

  private removeTags(p: Params) {
    const keys = list(p.TagKeys);
    for (const arn of list(p.ResourceArns)) {
      const tags = this.taggable(arn);
      for (const k of keys) tags.delete(k);
    }
    return {};
  }

  /**
   * Creating with tags is also an `elasticloadbalancing:AddTags` on the new
   * resource (with `elasticloadbalancing:CreateAction`), which AWS authorizes
   * before anything is created.
   */
  private async authorizeTagOnCreate(ctx: RequestContext, arn: string, tags: Tags): Promise<void> {
    if (tags.size === 0 || !this.emulator.enforce || !this.emulator.authorizer) return;
    await this.emulator.authorizer(ctx, "elasticloadbalancing:AddTags", [arn], {
      request: { ...requestTagKeys(tags), "elasticloadbalancing:CreateAction": ctx.action },
    });
  }

  /** Request tags (and `elasticloadbalancing:CreateAction` on a create); the tags of existing resources per ARN. */
  private conditions(params: Params, resources: string[], createAction: string | undefined): ConditionContext {
    const request: Record<string, string | string[]> = {};
    if (Array.isArray(params.Tags) && params.Tags.length > 0) {
      const tags = new Map((params.Tags as Params[]).map((t) => [String(t.Key), String(t.Value ?? "")]));
      Object.assign(request, requestTagKeys(tags));
      if (createAction) request["elasticloadbalancing:CreateAction"] = createAction;
    }
    const perResource: Record<string, Record<string, string>> = {};
    for (const arn of resources) {
      const tags =
        this.loadBalancers.get(arn)?.tags ?? this.targetGroups.get(arn)?.tags ?? this.listeners.get(arn)?.tags;
      if (!tags || tags.size === 0) continue;
      perResource[arn] = Object.fromEntries(
        [...tags].flatMap(([k, v]) => [
          [`aws:ResourceTag/${k}`, v],
          [`elasticloadbalancing:ResourceTag/${k}`, v],
        ]),
      );
    }
    return { request, perResource };
  }

  // ---- module lifecycle ------------------------------------------------------------

  loadScenario(scenario: Scenario): void {
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
    const { serviceLinkedRole, ...config } = section;
    if (serviceLinkedRole !== undefined) this.serviceLinkedRole = serviceLinkedRole;
    this.config = { ...this.config, ...config } as Config;
  }

  async reset(): Promise<void> {
    await this.stop();
    this.loadBalancers.clear();
    this.targetGroups.clear();
    this.listeners.clear();
    this.config = { ...DEFAULT_CONFIG };
    this.serviceLinkedRole = false;
  }

  async stop(): Promise<void> {
    for (const lb of this.loadBalancers.values()) {
      clearTimeout(lb.timer);
      releaseAddress(lb.address);
    }
    for (const tg of this.targetGroups.values()) for (const t of tg.targets.values()) this.health.stop(t);
    for (const timer of this.drainTimers) clearTimeout(timer);
    this.drainTimers.clear();
    await Promise.all([...this.listeners.values()].map((l) => this.traffic.stop(l)));
  }

  snapshot(): unknown {
    return {
      config: this.config,
      loadBalancers: [...this.loadBalancers.values()].map((lb) => ({
        ...lbOut(lb, this.emulator.region),
        Tags: Object.fromEntries(lb.tags),
        Attributes: Object.fromEntries(lb.attributes),
        NetworkInterfaceIds: lb.eniIds,
        Listeners: this.listenersOf(lb).map((l) => ({
          ...listenerOut(l),
          Tags: Object.fromEntries(l.tags),
          Listening: l.server !== undefined,
          BindError: l.bindError,
        })),
      })),
      targetGroups: [...this.targetGroups.values()].map((tg) => ({
        ...this.tgOut(tg),
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
  created(): unknown[] {
    return [
      ...[...this.loadBalancers.values()].map((l) => ({ type: "load-balancer", arn: l.arn, name: l.name })),
      ...[...this.listeners.values()].map((l) => ({ type: "listener", arn: l.arn, port: l.port })),
      ...[...this.targetGroups.values()].map((t) => ({ type: "target-group", arn: t.arn, name: t.name })),
    ];
  }
}

function requestTagKeys(tags: Tags): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { "aws:TagKeys": [...tags.keys()] };
  for (const [k, v] of tags) out[`aws:RequestTag/${k}`] = v;
  return out;
}

export const createElbv2 = (emulator: Emulator): Elbv2Service => new Elbv2Service(emulator);
