import * as core from "@actions/core";
import { ECSClient } from "@aws-sdk/client-ecs";
import { RDSClient } from "@aws-sdk/client-rds";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsClientConfig } from "../../lib/aws";
import { errorMessage } from "../../lib/errors";
import { annotate } from "../../lib/job-report";
import { publishReport, writeJobSummary } from "../../lib/pr-comment";
import { escapeText } from "../../lib/report-markdown";
import type { ActionResult } from "../../lib/run-action";
import type { DriftInputs } from "./inputs";
import { pgLogin } from "./pg-login";
import { run } from "./run";

/** The real dependencies of `run`: SDK clients, the runner's masking and summary, the PR comment. */
export async function runWithRunner(inputs: DriftInputs): Promise<ActionResult> {
  const config = awsClientConfig({ region: inputs.region });
  try {
    return await runWith(inputs, config);
  } catch (error) {
    // A summary even when the comparison could not be made; the message never holds a secret value.
    await writeJobSummary(
      `### ⚠️ secrets-rds-drift could not compare the secret with RDS\n\n${escapeText(errorMessage(error), 2000)}`,
      "",
    );
    throw error;
  }
}

function runWith(inputs: DriftInputs, config: ReturnType<typeof awsClientConfig>): Promise<ActionResult> {
  return run(inputs, {
    secrets: new SecretsManagerClient(config),
    rds: new RDSClient(config),
    ecs: () => new ECSClient(config),
    setSecret: core.setSecret,
    login: pgLogin,
    publish: (markdown, key) =>
      publishReport({ action: "secrets-rds-drift", key, markdown, comment: inputs.comment, token: inputs.githubToken }),
    info: core.info,
    warning: (message) => annotate("warning", message),
    workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
  });
}
