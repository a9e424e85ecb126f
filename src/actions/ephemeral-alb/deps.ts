import type { ActionDeps } from "../../lib/run-action";
import { requireRunnerFiles } from "../../lib/runner-files";
import { albClients } from "./clients";
import { CycleFiles } from "./cycle-file";
import type { PostDeps } from "./destroy";
import type { Inputs } from "./inputs";
import type { Deps } from "./run";
import { runnerStateStore } from "./state";

/** The real runner and AWS for `run`; the runner files it writes are checked before the first AWS call. */
export function actionDeps(inputs: Inputs, seam: ActionDeps, env: NodeJS.ProcessEnv = process.env): Deps {
  // A create whose state, outputs or summary cannot be written is never started.
  requireRunnerFiles(
    "ephemeral-alb",
    inputs.mode === "create"
      ? ["GITHUB_STATE", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"]
      : ["GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"],
    env,
    [{ name: "Input 'evidence-dir'", path: inputs.evidenceDir }],
  );
  return { ...seam, clients: albClients(inputs.region), store: runnerStateStore(seam.state, env) };
}

/** The post step's: AWS in the saved cycle's region, and the job's cycle files (RUNNER_TEMP). */
export function postDeps(seam: ActionDeps, env: NodeJS.ProcessEnv = process.env): PostDeps {
  return {
    ...seam,
    clients: (region) => albClients(region),
    ...(env.RUNNER_TEMP ? { cycles: new CycleFiles(env.RUNNER_TEMP) } : {}),
  };
}
