import type { AwsError } from "./errors";
import type { Protocol } from "./protocol";
import type { Emulator } from "./server";

// biome-ignore lint/suspicious/noExplicitAny: request parameters are the service's wire shapes
export type Params = Record<string, any>;

export interface RequestContext {
  emulator: Emulator;
  /** Signing name: elasticloadbalancing, ec2, ecs, iam, rds, secretsmanager, ssm, sts. */
  service: string;
  action: string;
  region: string;
  account: string;
  accessKeyId: string;
  /** The caller: from the scenario's `principals` map, else the default emulator user. */
  principalArn: string;
  requestId: string;
}

export type Handler = (params: Params, ctx: RequestContext) => unknown | Promise<unknown>;

export interface ServiceModule {
  /** The SigV4 signing name, which is how a request is routed. */
  signingName: string;
  protocol: Protocol;
  /** XML namespace of query/ec2 responses. */
  xmlns?: string;
  /** The IAM action prefix (`elasticloadbalancing`, `ec2`, `ecs`, ...). */
  iamPrefix: string;
  /** Every operation the service answers, by its API name; anything else is "not implemented". */
  operations: Record<string, Operation>;
  /**
   * The error this service answers when IAM denies a call, in its own code, status and wording; `message` is
   * "User: <arn> is not authorized to perform: <action> on resource: <arn>". Usually `queryAccessDenied` or
   * `jsonAccessDenied` from errors.ts; EC2 has its own.
   */
  accessDenied(message: string): AwsError;
  /** Back to a new account: drop everything (the default VPC etc. are recreated). */
  reset(): void | Promise<void>;
  /** Everything this service holds, for GET /_emulator/state. */
  snapshot(): unknown;
  /** Resources created through the API (not seeded), for leak assertions. */
  created?(): unknown[];
  /** Reads its own section of a scenario. */
  loadScenario?(scenario: Scenario): void | Promise<void>;
  stop?(): Promise<void>;
}

/** One operation: what it does, and how IAM sees it under enforcement. */
export interface Operation {
  handler: Handler;
  /**
   * The resource ARNs IAM evaluates this call on, as AWS forms them (the Service Authorization Reference's resource
   * types for the action). Default `*`.
   */
  resources?(params: Params, ctx: RequestContext): string[];
  /**
   * Condition keys AWS puts in the request context for this call: `aws:RequestTag/<key>`, `aws:TagKeys`,
   * service-specific keys like `elasticloadbalancing:CreateAction` or `ecs:cluster`, and per resource ARN (one of
   * `resources`) `aws:ResourceTag/<key>` of an existing resource. Default none.
   */
  conditions?(params: Params, ctx: RequestContext, resources: string[]): ConditionContext;
  /**
   * The resource policy of each of `resources` that has one (a secret's resource policy, a KMS key policy), by ARN:
   * enforcement evaluates it with the caller's identity policies, as AWS does. Default none.
   */
  resourcePolicies?(params: Params, ctx: RequestContext, resources: string[]): Record<string, string>;
}

export interface ConditionContext {
  /** Keys that hold for the whole request (request tags, CreateAction, ...). */
  request?: Record<string, string | string[]>;
  /** Keys per resource ARN (aws:ResourceTag/<key> of an existing resource). */
  perResource?: Record<string, Record<string, string | string[]>>;
}

export type ServiceFactory = (emulator: Emulator) => ServiceModule;

/** A scenario file: each service reads its own section. */
export interface Scenario {
  /** access key id -> principal ARN (enforcement mode and GetCallerIdentity). */
  principals?: Record<string, string>;
  enforce?: boolean;
  timeScale?: number;
  // biome-ignore lint/suspicious/noExplicitAny: each service validates its own section
  [service: string]: any;
}

export interface RequestLogEntry {
  seq: number;
  time: string;
  service: string;
  action: string;
  principal: string;
  params: Params;
  status: number;
  code?: string;
  latencyMs: number;
}

/**
 * A service's operations: its handlers, each joined with its record of how IAM sees it (resources, condition keys;
 * `{}` for `*` and none). Every handler needs its record, so a new operation cannot leave out its authorization.
 */
export function operations<K extends string>(
  handlers: Record<K, Handler>,
  iam: Record<K, Omit<Operation, "handler">>,
): Record<string, Operation> {
  const missing = Object.keys(handlers).filter((name) => !Object.hasOwn(iam, name));
  const extra = Object.keys(iam).filter((name) => !Object.hasOwn(handlers, name));
  if (missing.length > 0 || extra.length > 0)
    throw new Error(
      `emulator: operations without an IAM record: [${missing}]; IAM records without a handler: [${extra}]`,
    );
  return Object.fromEntries(
    (Object.keys(handlers) as K[]).map((name) => [name, { ...iam[name], handler: handlers[name] }]),
  );
}
