import * as core from "@actions/core";
import { annotate, writeSummary } from "../../lib/job-report";
import type { ProbeInputs } from "./inputs";
import { defaultDeps, type ProbeDeps } from "./run";

/** The real world: Node's HTTP, the clock, and the runner's log, annotations and job summary. */
export function actionDeps(inputs: ProbeInputs): ProbeDeps {
  for (const secret of inputs.secrets) core.setSecret(secret);
  return {
    ...defaultDeps(),
    info: (message) => core.info(message),
    annotate: (level, message, title) => annotate(level, message, { title }),
    writeSummary: async (markdown) => {
      await writeSummary(markdown);
    },
  };
}
