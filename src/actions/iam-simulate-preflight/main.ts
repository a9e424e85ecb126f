import { runAction } from "../../lib/run-action";
import { awsLookups } from "./aws-lookups";
import { preflightIamClient } from "./iam-client";
import { readPreflightInputs } from "./inputs";
import { awsPlanIo } from "./plan/aws-io";
import { runPreflight } from "./run";
import { iamSimulator } from "./simulate";
import { iamPolicyReader } from "./statement-ids";

runAction("iam-simulate-preflight", readPreflightInputs, (inputs) => {
  // IAM is global: the region only picks the endpoint's signing region.
  const iam = preflightIamClient(inputs.region);
  return runPreflight(inputs, {
    lookups: awsLookups(iam, inputs.region),
    simulator: iamSimulator(iam),
    policyReader: iamPolicyReader(iam),
    planIo: awsPlanIo(iam),
  });
});
