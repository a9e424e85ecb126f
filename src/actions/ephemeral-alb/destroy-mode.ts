import { ConfigurationError, errorMessage } from "../../lib/errors";
import { EvidenceWriter } from "../../lib/evidence";
import type { ActionResult } from "../../lib/run-action";
import { CycleFiles } from "./cycle-file";
import { resourcesOf } from "./destroy";
import type { DestroyInputs } from "./inputs";
import { discover } from "./lookup";
import { checkOwnership } from "./ownership";
import { type GoneProof, proveGone } from "./proof";
import { leftoverMessage, teardownSummary } from "./report";
import type { Deps } from "./run";
import { type TeardownStep, teardown } from "./teardown";

/**
 * `mode: destroy`: destroys the cycles the create step(s) of this job
 * recorded in RUNNER_TEMP, proves each resource gone with a Describe by its
 * ID, writes `<ts>_alb_destroy.json`, and marks the cycle destroyed so the
 * create step's post step finds nothing to do. Runs before the evidence is
 * masked and uploaded, so the artifact holds the proof of the teardown.
 */
export async function destroyCycles(inputs: DestroyInputs, deps: Deps): Promise<ActionResult> {
  const { clock, log } = deps;
  const files = new CycleFiles(inputs.runnerTemp);
  const all = files.ofJob(inputs.job);
  const cycles = all.filter(
    (c) => !c.destroyed && (inputs.namePrefix === undefined || c.state.names.base.startsWith(`${inputs.namePrefix}-`)),
  );
  if (cycles.length === 0) {
    const why =
      all.length > 0
        ? `its ${all.length} cycle(s) ${all.some((c) => c.destroyed) ? "were already destroyed" : ""}${inputs.namePrefix ? ` or do not start with '${inputs.namePrefix}-'` : ""}`
        : `no create step of this job (run ${inputs.job.runId}, attempt ${inputs.job.runAttempt}, job '${inputs.job.job}') saved a cycle in ${files.dir}`;
    throw new ConfigurationError(
      `mode: destroy found nothing to destroy: ${why}; nothing was touched. Run it in the same job, after an ephemeral-alb step in 'mode: create'.`,
    );
  }
  for (const c of cycles) {
    if (c.state.region !== inputs.region) {
      throw new ConfigurationError(
        `Input 'aws-region': the cycle ${c.state.names.base} is in ${c.state.region}, but this step runs in ${inputs.region}; nothing was destroyed. Give 'aws-region: ${c.state.region}' (as the create step had).`,
      );
    }
  }
  // Every cycle is checked before anything of any cycle is deleted.
  const plans = [];
  for (const c of cycles) {
    const res = resourcesOf(c.state);
    // Unknown IDs are found by name now, so that the tags of everything the teardown will delete are checked.
    await discover(res, deps.clients, (step, id, _command, error) => {
      throw new ConfigurationError(`${step} ${id} failed before anything was destroyed: ${errorMessage(error)}`);
    });
    await checkOwnership(res, c.state.runId, deps.clients);
    plans.push({ cycle: c, res });
  }

  const evidence = new EvidenceWriter(inputs.evidenceDir);
  const evidenceFile = evidence.path("alb_destroy", "json");
  const records = [];
  const allSteps: TeardownStep[] = [];
  for (const { cycle, res } of plans) {
    const { state } = cycle;
    if (state.keep) log.warning(`keep: true on ${state.names.base} is overridden: 'mode: destroy' was asked for.`);
    log.info(`Destroying ${state.names.base} (created by this job's create step).`);
    const steps = await teardown(res, deps.clients, { waitMs: inputs.timeoutMs });
    const proofs = await proveGone(res, deps.clients, steps);
    for (const p of proofs.filter((x) => !x.gone)) {
      steps.push({
        step: `${p.resource} not shown gone`,
        id: p.id,
        outcome: "left",
        error: `${p.describe.call} after the teardown: ${"code" in p.describe.answer ? `${p.describe.answer.code}: ${p.describe.answer.message}` : "it is still listed"}.`,
        command: "(see the job summary)",
      });
    }
    const left = steps.filter((s) => s.outcome === "left");
    records.push({
      name: state.names.base,
      runId: state.runId,
      region: state.region,
      status: left.length === 0 ? "destroyed" : "left",
      resources: proofs,
      steps,
    });
    allSteps.push(...steps);
    if (left.length === 0)
      files.markDestroyed(state.names.base, { at: new Date(clock.now()).toISOString(), evidence: evidenceFile });
    for (const s of steps) {
      if (s.outcome === "left") log.error(`${s.step} ${s.id}: ${s.error ?? ""}`);
      else if (s.outcome === "failed") log.warning(`${s.step} ${s.id}: ${s.error ?? ""}`);
    }
    for (const p of proofs) log.info(`${p.resource} ${p.id}: ${p.delete.outcome}; ${describeLine(p)}`);
  }
  const record = { mode: "destroy", cycles: records };
  evidence.writeJson("alb_destroy", record);
  await deps.summary.write(
    teardownSummary(
      `ephemeral-alb destroy ${plans.map((p) => `\`${p.cycle.state.names.base}\``).join(", ")}`,
      allSteps,
    ),
  );
  const failure = leftoverMessage(allSteps);
  const outputs = { resources: record, "destroyed-count": records.filter((r) => r.status === "destroyed").length };
  return failure ? { outputs, failure } : { outputs };
}

function describeLine(p: GoneProof): string {
  const a = p.describe.answer;
  return `${p.describe.call} → ${"code" in a ? a.code : `${a.found.length} listed`}${p.gone ? " (gone)" : " (NOT gone)"}`;
}
