import type { ActionDeps } from "../../lib/run-action";
import { probeClients } from "./clients";
import type { ProbeDeps } from "./run";

/** The real world: Node's HTTP and CloudWatch Logs; the seam's log, annotations, summary and clock. */
export function actionDeps(seam: ActionDeps): ProbeDeps {
  return { ...seam, ...probeClients() };
}
