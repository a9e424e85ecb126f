import { publishReport } from "../../lib/pr-comment";
import type { ActionDeps } from "../../lib/run-action";
import { driftClients } from "./clients";
import type { DriftInputs } from "./inputs";
import { pgLogin } from "./pg-login";
import type { DriftDeps } from "./run";

/** The real dependencies of `run`: SDK clients, the seam, the PR comment. */
export function actionDeps(inputs: DriftInputs, seam: ActionDeps): DriftDeps {
  return {
    ...seam,
    ...driftClients(inputs.region),
    login: pgLogin,
    publish: (markdown, key) =>
      publishReport({
        action: "secrets-rds-drift",
        key,
        markdown,
        comment: inputs.comment,
        token: inputs.githubToken,
        summary: seam.summary,
        log: seam.log,
      }),
  };
}
