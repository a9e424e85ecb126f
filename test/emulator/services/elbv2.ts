/**
 * Elastic Load Balancing v2 (AWS Query, 2015-12-01): application load
 * balancers, target groups of type ip, HTTP and HTTPS listeners (TLS really
 * terminated with an ACM certificate, see elbv2/tls.ts), targets and their
 * health, attributes and tags. Load balancers own requester-managed ENIs in
 * EC2, answer real HTTP on a loopback address and really health-check their
 * targets (see elbv2/health.ts and elbv2/traffic.ts).
 *
 * The operations live by resource type in elbv2/ (load-balancers.ts, target-groups.ts, listeners.ts, tags.ts);
 * this module joins their records and keeps the functions other services call and the lifecycle.
 */
import { queryAccessDenied } from "../errors";
import type { Emulator } from "../server";
import type { Scenario, ServiceModule } from "../types";
import { certificateUsers, listenerOperations } from "./elbv2/listeners";
import { finishProvisioningNow, loadBalancerOperations } from "./elbv2/load-balancers";
import { listenersOf } from "./elbv2/resources";
import { type Config, DEFAULT_CONFIG, type Elbv2Scenario, Elbv2State } from "./elbv2/state";
import { tagOperations } from "./elbv2/tags";
import { targetGroupOperations, tgView } from "./elbv2/target-groups";
import { releaseAddress } from "./elbv2/traffic";
import { lbOut, listenerOut } from "./elbv2/wire";

export type { Elbv2Scenario } from "./elbv2/state";

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
  /** ELBv2's internal state: other services go through the functions of Elbv2Service, never through it. */
  const state = new Elbv2State(emulator);
  const { loadBalancers, targetGroups, listeners } = state;

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
      "loadBalancerConsistencyMs",
      "serviceLinkedRole",
    ];
    for (const key of Object.keys(section)) {
      if (!known.includes(key)) throw new Error(`scenario elbv2.${key} is not known (known: ${known.join(", ")})`);
    }
    const { serviceLinkedRole: hasRole, ...durations } = section;
    if (hasRole !== undefined) state.serviceLinkedRole = hasRole;
    state.config = { ...state.config, ...durations } as Config;
  }

  async function reset(): Promise<void> {
    await stop();
    loadBalancers.clear();
    targetGroups.clear();
    listeners.clear();
    state.config = { ...DEFAULT_CONFIG };
    state.serviceLinkedRole = false;
  }

  async function stop(): Promise<void> {
    for (const lb of loadBalancers.values()) {
      clearTimeout(lb.timer);
      releaseAddress(lb.address);
    }
    for (const tg of targetGroups.values()) for (const t of tg.targets.values()) state.health.stop(t);
    for (const timer of state.drainTimers) clearTimeout(timer);
    state.drainTimers.clear();
    await Promise.all([...listeners.values()].map((l) => state.traffic.stop(l)));
  }

  function snapshot(): unknown {
    return {
      config: state.config,
      loadBalancers: [...loadBalancers.values()].map((lb) => ({
        ...lbOut(lb, emulator.region),
        Tags: Object.fromEntries(lb.tags),
        Attributes: Object.fromEntries(lb.attributes),
        NetworkInterfaceIds: lb.eniIds,
        Listeners: listenersOf(state, lb).map((l) => ({
          ...listenerOut(l),
          Tags: Object.fromEntries(l.tags),
          Listening: l.server !== undefined,
          BindError: l.bindError,
        })),
      })),
      targetGroups: [...targetGroups.values()].map((tg) => ({
        ...tgView(state, tg),
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
    operations: {
      ...loadBalancerOperations(state),
      ...targetGroupOperations(state),
      ...listenerOperations(state),
      ...tagOperations(state),
    },
    finishProvisioningNow: (arn) => finishProvisioningNow(state, arn),
    certificateUsers: (certificateArn) => certificateUsers(state, certificateArn),
    loadScenario,
    reset,
    stop,
    snapshot,
    created,
  };
}
