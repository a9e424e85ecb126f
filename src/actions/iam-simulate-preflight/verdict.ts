import type { ActionResult } from "../../lib/run-action";
import type { PreflightInputs } from "./inputs";
import type { PreflightDeps } from "./run";

export const ACTION = "iam-simulate-preflight";

export interface Verdict {
  /** The sticky PR comment's key: one comment per task definition family, per plan file, or for the CI role. */
  key: string;
  markdown: string;
  result: "pass" | "fail";
  deniedCount: number;
  /** The report as the `report` output holds it (the evidence file's content). */
  report: object;
  evidenceFile: string;
  /** The step's failure message, asked for only when the run fails. */
  failure: () => string;
}

/**
 * How every preflight run ends, of a deployed task definition or of a plan: the report in the job summary and the
 * sticky PR comment, the outputs, and the failure unless the run passed or `fail-on` is `never`.
 */
export async function publishVerdict(
  inputs: PreflightInputs,
  deps: Pick<PreflightDeps, "publish" | "summary" | "log">,
  env: NodeJS.ProcessEnv,
  verdict: Verdict,
): Promise<ActionResult> {
  await deps.publish({
    action: ACTION,
    key: verdict.key,
    markdown: verdict.markdown,
    comment: inputs.comment,
    token: inputs.githubToken,
    prNumber: inputs.prNumber,
    env,
    summary: deps.summary,
    log: deps.log,
  });
  const outputs = {
    result: verdict.result,
    report: verdict.report,
    "denied-count": verdict.deniedCount,
    "evidence-file": verdict.evidenceFile,
  };
  if (verdict.result === "pass" || inputs.failOn === "never") return { outputs };
  return { outputs, failure: verdict.failure() };
}
