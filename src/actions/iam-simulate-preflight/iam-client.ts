/**
 * The preflight's IAM client. IAM's simulation API has a low request rate
 * shared by the whole account, so this client gives throttling more attempts
 * than the suite's default (the SDK's retry strategy with the suite's
 * jittered backoff, src/lib/aws.ts). That is the only retry layer: nothing in
 * the preflight retries on top of it (a second layer made up to 50 requests
 * of one logical call).
 */
import { IAMClient } from "@aws-sdk/client-iam";
import { awsClientConfig, withOperationNames } from "../../lib/aws";

export const IAM_MAX_ATTEMPTS = 15;

export function preflightIamClient(region: string, env: NodeJS.ProcessEnv = process.env): IAMClient {
  const maxAttempts = Number(env.AWS_MAX_ATTEMPTS) || IAM_MAX_ATTEMPTS;
  return withOperationNames(new IAMClient(awsClientConfig({ region, env, maxAttempts })));
}
