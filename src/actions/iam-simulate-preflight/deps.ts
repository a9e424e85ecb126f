import { publishReport } from "../../lib/pr-comment";
import type { ActionDeps } from "../../lib/run-action";
import { awsLookups } from "./aws-lookups";
import { preflightIamClient } from "./iam-client";
import type { PreflightInputs } from "./inputs";
import { awsPlanIo } from "./plan/aws-io";
import type { PreflightDeps } from "./run";
import { iamSimulator } from "./simulate";
import { iamPolicyReader } from "./statement-ids";

/** The real IAM (global: the region only picks the endpoint's signing region), the seam and the PR comment. */
export function actionDeps(inputs: PreflightInputs, seam: ActionDeps): PreflightDeps {
  const iam = preflightIamClient(inputs.region);
  return {
    ...seam,
    lookups: awsLookups(iam, inputs.region),
    simulator: iamSimulator(iam),
    policyReader: iamPolicyReader(iam),
    planIo: awsPlanIo(iam),
    publish: publishReport,
  };
}
