import * as core from "@actions/core";
import type { ProbeInputs } from "./inputs";
import { defaultDeps, type ProbeDeps } from "./run";

/** The real world: Node's HTTP, the clock, and the runner's log, annotations and job summary. */
export function actionDeps(inputs: ProbeInputs): ProbeDeps {
  for (const secret of inputs.secrets) core.setSecret(secret);
  return {
    ...defaultDeps(),
    info: (message) => core.info(message),
    annotate: (level, message, title) => (level === "error" ? core.error : core.warning)(message, { title }),
    writeSummary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(markdown).write();
    },
  };
}
