import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { runnerProxyAgents } from "./proxy";
import { backoffMs } from "./retry";
import { VERSION } from "./version";

export interface AwsClientOptions {
  region: string;
  /** Total attempts per call, throttling included. */
  maxAttempts?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Configuration every AWS client of the suite is built with. The SDK itself
 * honours AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> (the emulator) and the
 * usual credential chain. Throttling gets more attempts than the SDK default
 * (3): a smoke cycle makes bursts of Describe* calls and a run that dies on a
 * `Throttling` error leaks nothing but wastes a deploy.
 *
 * The SDK ignores HTTPS_PROXY; self-hosted runners behind a proxy would time
 * out on every call. With a proxy variable set, requests go through the
 * runner-style proxy agents (src/lib/proxy.ts: https_proxy/HTTPS_PROXY,
 * http_proxy/HTTP_PROXY, no_proxy/NO_PROXY); without one the SDK's own
 * handler is kept unchanged.
 */
export function awsClientConfig(opts: AwsClientOptions) {
  const env = opts.env ?? process.env;
  const maxAttempts = opts.maxAttempts ?? (Number(env.AWS_MAX_ATTEMPTS) || 10);
  const baseMs = Number(env.ECS_ALB_SMOKE_RETRY_BASE_MS) || 250;
  const capMs = Number(env.ECS_ALB_SMOKE_RETRY_CAP_MS) || 10_000;
  const proxy = runnerProxyAgents(env);
  return {
    region: opts.region,
    customUserAgent: `ecs-alb-smoke/${VERSION}`,
    retryStrategy: new ConfiguredRetryStrategy(maxAttempts, (attempt: number) => backoffMs(attempt, baseMs, capMs)),
    ...(proxy
      ? { requestHandler: new NodeHttpHandler({ httpAgent: proxy.httpAgent, httpsAgent: proxy.httpsAgent }) }
      : {}),
  };
}
