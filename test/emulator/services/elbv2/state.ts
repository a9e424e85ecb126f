/**
 * ELBv2's state: its resources by ARN, the scenario's durations, the account's service-linked role, and the
 * engines that run behind the API (health checks, traffic, targets). The operation files take it as their first
 * argument; other services reach ELBv2 only through `Elbv2Service`'s functions.
 */
import type { Emulator } from "../../server";
import type { Params } from "../../types";
import { acmOf } from "../acm";
import { hex } from "../ec2/common";
import { HealthChecker } from "./health";
import type { Listener, LoadBalancer, TargetGroup } from "./model";
import { type Elbv2Resources, findTg, usersOf } from "./resources";
import { Targets } from "./targets";
import { Traffic } from "./traffic";

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
  /**
   * Eventual consistency of a new load balancer: DescribeLoadBalancers answers LoadBalancerNotFound for its ARN
   * (and leaves it out of a listing) for this many ms after CreateLoadBalancer, scaled by timeScale (default 0).
   * Seen from AWS: "ALB/NLB creation occasionally fails due to eventual consistency with the error
   * LoadBalancerNotFound" (hashicorp/terraform-provider-aws#15214), in the provider's wait for `active`.
   */
  loadBalancerConsistencyMs?: number;
}

export interface Config {
  provisioningSeconds: number;
  eniReleaseSeconds: number;
  registrationSeconds: number;
  failProvisioning: string[];
  consistencyMs: number;
  loadBalancerConsistencyMs: number;
}

export const DEFAULT_CONFIG: Config = {
  provisioningSeconds: 60,
  eniReleaseSeconds: 120,
  registrationSeconds: 10,
  failProvisioning: [],
  consistencyMs: 0,
  loadBalancerConsistencyMs: 0,
};

export class Elbv2State implements Elbv2Resources {
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly targetGroups = new Map<string, TargetGroup>();
  readonly listeners = new Map<string, Listener>();
  config: Config = { ...DEFAULT_CONFIG };
  /** Pending drain timers, cancelled on reset/stop. */
  readonly drainTimers = new Set<NodeJS.Timeout>();
  /**
   * Whether the account's AWSServiceRoleForElasticLoadBalancing exists (scenario
   * `elbv2.serviceLinkedRole`). ELB creates it with the first load balancer of an
   * account, which needs `iam:CreateServiceLinkedRole` (condition
   * `iam:AWSServiceName`) — https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-service-linked-roles.html
   */
  serviceLinkedRole = false;
  readonly health: HealthChecker;
  readonly traffic: Traffic;
  readonly targets: Targets;
  /** Ids chosen while computing resource ARNs for enforcement, reused by the create call. */
  private readonly pendingIds = new WeakMap<Params, string>();

  constructor(readonly emulator: Emulator) {
    this.health = new HealthChecker(emulator, { registrationMs: () => this.config.registrationSeconds * 1000 }, (tg) =>
      usersOf(this, tg),
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
      targetGroup: (arn) => findTg(this, arn),
      usersOf: (tg) => usersOf(this, tg),
      drainTimers: this.drainTimers,
      consistencyMs: () => this.config.consistencyMs,
    });
  }

  /** The id of the resource a create names, the same for its authorization and for the create itself. */
  pendingId(params: Params): string {
    let id = this.pendingIds.get(params);
    if (!id) {
      id = hex(16);
      this.pendingIds.set(params, id);
    }
    return id;
  }
}
