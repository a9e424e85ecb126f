import { publishReport } from "../../lib/pr-comment";
import type { ActionDeps } from "../../lib/run-action";
import { preflightClients } from "./clients";
import type { PreflightInputs } from "./inputs";
import type { PreflightDeps } from "./run";

/** The real IAM, the seam and the PR comment. */
export function actionDeps(inputs: PreflightInputs, seam: ActionDeps): PreflightDeps {
  return { ...seam, ...preflightClients(inputs.region), publish: publishReport };
}
