import { awsLookups, type Lookups } from "./aws-lookups";
import { preflightIamClient } from "./iam-client";
import { awsPlanIo, type PlanIo } from "./plan/aws-io";
import { iamSimulator, type Simulator } from "./simulate";
import { iamPolicyReader, type PolicyReader } from "./statement-ids";

/** What the preflight reads from AWS, all through one IAM client (global: the region only picks the signing region). */
export interface PreflightClients {
  lookups: Lookups;
  simulator: Simulator;
  policyReader: PolicyReader;
  planIo: PlanIo;
}

export function preflightClients(region: string): PreflightClients {
  const iam = preflightIamClient(region);
  return {
    lookups: awsLookups(iam, region),
    simulator: iamSimulator(iam),
    policyReader: iamPolicyReader(iam),
    planIo: awsPlanIo(iam),
  };
}
