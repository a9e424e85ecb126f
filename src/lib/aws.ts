import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { HandlerExecutionContext, InitializeHandler, MetadataBearer, MiddlewareStack } from "@smithy/types";
import { operationError } from "./errors";
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

/** The IAM service prefix of each SDK client the suite uses (the `svc` of `svc:Action`). */
const SERVICE_PREFIX: Record<string, string> = {
  ACMClient: "acm",
  CloudFormationClient: "cloudformation",
  CloudWatchLogsClient: "logs",
  EC2Client: "ec2",
  ECSClient: "ecs",
  ElasticLoadBalancingV2Client: "elasticloadbalancing",
  IAMClient: "iam",
  KMSClient: "kms",
  RDSClient: "rds",
  SSMClient: "ssm",
  SecretsManagerClient: "secretsmanager",
  STSClient: "sts",
};

/** `ElasticLoadBalancingV2Client` + `DescribeTargetGroupsCommand` -> `elasticloadbalancing:DescribeTargetGroups`. */
export function operationName(clientName: string | undefined, commandName: string | undefined): string {
  const client = clientName ?? "";
  const prefix = SERVICE_PREFIX[client] ?? client.replace(/Client$/, "").toLowerCase();
  return `${prefix || "aws"}:${(commandName ?? "unknown").replace(/Command$/, "")}`;
}

const MIDDLEWARE_NAME = "ecsAlbSmokeOperationErrors";

/**
 * Every failed call names its operation as the IAM action, with the SDK's
 * error kept as `cause` (src/lib/errors.ts `operationError` decides whether
 * it is the user's to fix). It sits at the top of the `initialize` step,
 * outside the SDK's retry loop (`finalizeRequest`), so retried attempts are
 * named once, by their last error.
 */
function operationErrors<Input extends object, Output extends MetadataBearer>(
  next: InitializeHandler<Input, Output>,
  context: HandlerExecutionContext,
): InitializeHandler<Input, Output> {
  return async (args) => {
    try {
      return await next(args);
    } catch (error) {
      throw operationError(operationName(context.clientName, context.commandName), error);
    }
  };
}

/**
 * Attaches the operation-naming middleware to a client (idempotent) and
 * returns it: every SDK client the suite creates goes through here.
 */
export function withOperationNames<
  I extends object,
  O extends MetadataBearer,
  C extends { middlewareStack: MiddlewareStack<I, O> },
>(client: C): C {
  client.middlewareStack.add(operationErrors, {
    step: "initialize",
    priority: "high",
    name: MIDDLEWARE_NAME,
    override: true,
  });
  return client;
}
