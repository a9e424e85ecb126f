import type { ActionDeps } from "../../lib/run-action";
import type { AlbClients } from "./clients";
import type { CycleFiles } from "./cycle-file";
import { verifyGone } from "./lookup";
import { leftoverMessage, teardownSummary } from "./report";
import { type AlbState, loadState } from "./state";
import { type CycleResources, type TeardownOptions, type TeardownStep, teardown } from "./teardown";

export interface PostDeps extends ActionDeps {
  clients: (region: string) => AlbClients;
  teardown?: TeardownOptions;
  /** The job's cycle files (RUNNER_TEMP): a cycle `mode: destroy` already removed is only looked at. */
  cycles?: CycleFiles;
}

/** What a saved state says may exist (unknown IDs are looked up by the cycle's names). */
export function resourcesOf(state: AlbState): CycleResources {
  const res: CycleResources = {
    region: state.region,
    names: state.names,
    vpcId: state.vpcId,
    listenerArns: [state.listenerArn, state.httpsListenerArn].filter((a): a is string => a !== undefined),
    taskIngressRules: (state.taskIngressRuleIds ?? []).flatMap((ruleId) =>
      state.taskSecurityGroupId ? [{ groupId: state.taskSecurityGroupId, ruleId }] : [],
    ),
  };
  if (state.loadBalancerArn) res.loadBalancerArn = state.loadBalancerArn;
  if (state.targetGroupArn) res.targetGroupArn = state.targetGroupArn;
  if (state.securityGroupId) res.securityGroupId = state.securityGroupId;
  if (state.taskSecurityGroupId) res.taskSecurityGroupId = state.taskSecurityGroupId;
  if (state.createdAt !== undefined && !state.securityGroupRefused) res.createdAt = state.createdAt;
  // A load balancer or a task ingress rule that names the group was created: EC2 already showed it.
  if (state.securityGroupId && (state.loadBalancerArn || state.taskIngressRuleIds?.length))
    res.securityGroupSeen = true;
  return res;
}

/** The post step: destroy exactly what the saved state (and the cycle's names) say exists. */
export async function destroyFromState(deps: PostDeps): Promise<{ failure?: string }> {
  const { log } = deps;
  const state = loadState(deps.state);
  if (!state) {
    log.info(
      "ephemeral-alb saved no state (it failed before creating anything, or ran in sweep or destroy mode): nothing to remove.",
    );
    return {};
  }
  const res = resourcesOf(state);
  const destroyed = deps.cycles?.read(state.names.base)?.destroyed;
  if (destroyed) {
    // The safety net still looks, by name: a marker alone (any step can write RUNNER_TEMP) never hides a leftover.
    const still: TeardownStep[] = [];
    await verifyGone(res, deps.clients(state.region), still);
    if (still.length === 0) {
      log.info(
        `${state.names.base} was destroyed by 'mode: destroy' at ${destroyed.at} (proof: ${destroyed.evidence}), and nothing of it is left: nothing to do.`,
      );
      await deps.summary.write(
        `## ephemeral-alb teardown \`${state.names.base}\`: ✅ already destroyed by \`mode: destroy\` (${destroyed.at}); nothing left\n`,
      );
      return {};
    }
    log.warning(
      `${state.names.base} was marked destroyed at ${destroyed.at}, but a look finds: ${still.map((s) => `${s.step} ${s.id}`).join("; ")}. Tearing it down.`,
    );
  }

  if (state.keep) {
    log.warning(
      `keep: true — NOT destroying ${state.names.base} (${[res.loadBalancerArn, res.targetGroupArn, res.securityGroupId].filter(Boolean).join(", ")}). Delete it by hand or run this action with 'mode: sweep' (and 'run-id: ${state.runId}').`,
    );
    await deps.summary.write(
      `## ephemeral-alb: ⚠️ kept \`${state.names.base}\` (keep: true)\n\nRemove it with \`mode: sweep\` and \`run-id: ${state.runId}\`.\n`,
    );
    return {};
  }
  const steps = await teardown(res, deps.clients(state.region), deps.teardown);
  for (const s of steps) {
    if (s.outcome === "failed") log.warning(`${s.step} ${s.id}: ${s.error ?? ""}`);
    else if (s.outcome === "left") log.error(`${s.step} ${s.id}: ${s.error ?? ""} Remove it with: ${s.command ?? ""}`);
    else log.info(`${s.step} ${s.id}: ${s.outcome}`);
  }
  await deps.summary.write(teardownSummary(`ephemeral-alb teardown \`${state.names.base}\``, steps));
  const failure = leftoverMessage(steps);
  return failure ? { failure } : {};
}
