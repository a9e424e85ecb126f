import type { ActionDeps } from "../../lib/run-action";
import type { ProbeInputs } from "./inputs";
import { defaultDeps, type ProbeDeps } from "./run";

/** The real world: Node's HTTP and CloudWatch Logs; the seam's log, annotations, summary and clock. */
export function actionDeps(inputs: ProbeInputs, seam: ActionDeps): ProbeDeps {
  for (const secret of inputs.secrets) seam.log.secret(secret);
  return { ...seam, ...defaultDeps() };
}
