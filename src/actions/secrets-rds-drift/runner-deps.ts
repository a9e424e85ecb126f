import { ECSClient } from "@aws-sdk/client-ecs";
import { RDSClient } from "@aws-sdk/client-rds";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsClientConfig, withOperationNames } from "../../lib/aws";
import { errorMessage } from "../../lib/errors";
import { publishReport, writeJobSummary } from "../../lib/pr-comment";
import { escapeText } from "../../lib/report-markdown";
import type { ActionDeps, ActionResult } from "../../lib/run-action";
import type { DriftInputs } from "./inputs";
import { pgLogin } from "./pg-login";
import { type DriftDeps, run } from "./run";

/** The real dependencies of `run`: SDK clients, the seam, the PR comment. */
export function actionDeps(inputs: DriftInputs, seam: ActionDeps): DriftDeps {
  const config = awsClientConfig({ region: inputs.region });
  return {
    ...seam,
    secrets: withOperationNames(new SecretsManagerClient(config)),
    rds: withOperationNames(new RDSClient(config)),
    ecs: () => withOperationNames(new ECSClient(config)),
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

/** `run` on the runner: a summary even when the comparison could not be made. */
export async function runWithRunner(inputs: DriftInputs, seam: ActionDeps): Promise<ActionResult> {
  try {
    return await run(inputs, actionDeps(inputs, seam));
  } catch (error) {
    // The message never holds a secret value.
    await writeJobSummary(
      seam,
      `### ⚠️ secrets-rds-drift could not compare the secret with RDS\n\n${escapeText(errorMessage(error), 2000)}`,
    );
    throw error;
  }
}
