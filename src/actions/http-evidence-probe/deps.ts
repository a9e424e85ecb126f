import type { ActionDeps } from "../../lib/run-action";
import { defaultDeps, type ProbeDeps } from "./run";

/** The real world: Node's HTTP and CloudWatch Logs; the seam's log, annotations, summary and clock. */
export function actionDeps(seam: ActionDeps): ProbeDeps {
  return { ...seam, ...defaultDeps() };
}
