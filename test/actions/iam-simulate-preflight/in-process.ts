/**
 * The preflight's `runPreflight` in this process with the production clients
 * (the bundle's main.ts wiring) against the emulator: behaviour tests without
 * spawning the bundle. Annotations and the published markdown are captured.
 */

import { awsLookups } from "../../../src/actions/iam-simulate-preflight/aws-lookups";
import { preflightIamClient } from "../../../src/actions/iam-simulate-preflight/iam-client";
import { readPreflightInputs } from "../../../src/actions/iam-simulate-preflight/inputs";
import type { PreflightReport } from "../../../src/actions/iam-simulate-preflight/report";
import { runPreflight } from "../../../src/actions/iam-simulate-preflight/run";
import { iamSimulator } from "../../../src/actions/iam-simulate-preflight/simulate";
import { iamPolicyReader } from "../../../src/actions/iam-simulate-preflight/statement-ids";
import type { ActionResult } from "../../../src/lib/run-action";
import type { RunningEmulator } from "../../emulator/server";
import { fakeDeps } from "../../harness/fake-deps";
import { REGION } from "./scenario";

export const TD_FILE = "deploy/task-definition.json";

export interface InProcessResult {
  result: ActionResult;
  report: PreflightReport;
  annotations: { message: string; file?: string; line?: number | undefined }[];
  markdown: string;
}

export async function preflightInProcess(
  emu: RunningEmulator,
  workspace: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<InProcessResult> {
  // Only the emulator, with the harness's short backoff.
  process.env.AWS_ENDPOINT_URL = emu.endpoint;
  const runEnv: NodeJS.ProcessEnv = {
    ...process.env,
    GITHUB_WORKSPACE: workspace,
    ECS_ALB_SMOKE_RETRY_BASE_MS: "20",
    ...env,
  };
  const all: Record<string, string> = { "task-definition": TD_FILE, comment: "false", ...inputs };
  const parsed = readPreflightInputs((name) => all[name] ?? "", runEnv);
  const iam = preflightIamClient(REGION, runEnv);
  const annotations: InProcessResult["annotations"] = [];
  let markdown = "";
  try {
    const result = await runPreflight(parsed, {
      ...fakeDeps(),
      lookups: awsLookups(iam, REGION),
      simulator: iamSimulator(iam),
      policyReader: iamPolicyReader(iam),
      annotate: (message, at) => {
        annotations.push({ message, ...(at ? { file: at.file, line: at.line } : {}) });
      },
      publish: async (opts) => {
        markdown = opts.markdown;
        return { comment: "disabled", commentTruncated: false, summaryWritten: false };
      },
      env: runEnv,
    });
    return { result, report: result.outputs.report as PreflightReport, annotations, markdown };
  } finally {
    iam.destroy();
  }
}
