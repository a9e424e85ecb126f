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
  handlers: Record<string, Handler>;
  /**
   * The error this service answers when IAM denies a call, in its own code, status and wording; `message` is
   * "User: <arn> is not authorized to perform: <action> on resource: <arn>". Usually `queryAccessDenied` or
   * `jsonAccessDenied` from errors.ts; EC2 has its own.
   */
  accessDenied(message: string): AwsError;
  /**
   * The resource ARNs IAM would evaluate this call against, as AWS forms them
   * (enforcement mode). Default: `*`.
   */
  resourceArns?(action: string, params: Params, ctx: RequestContext): string[];
  /**
   * Condition keys AWS would put in the request context for this call, for
   * enforcement mode: `aws:RequestTag/<key>`, `aws:TagKeys`, and
   * service-specific keys like `elasticloadbalancing:CreateAction` or
   * `ec2:CreateAction`. Per resource ARN for `aws:ResourceTag/<key>` (keyed by
   * the ARN returned from `resourceArns`, `*` for all).
   */
  conditionContext?(action: string, params: Params, ctx: RequestContext): ConditionContext;
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
