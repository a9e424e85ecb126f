import {
  AuthorizeSecurityGroupIngressCommand,
  type AuthorizeSecurityGroupIngressCommandInput,
  paginateDescribeSecurityGroupRules,
} from "@aws-sdk/client-ec2";
import { awsErrorCode } from "../../lib/errors";
import { retryWhileCode } from "../../lib/wait";
import type { AlbClients } from "./clients";

/**
 * How long a call that uses a security group created a moment ago retries
 * the group's NotFound. EC2 documents `InvalidGroup.NotFound` right after
 * CreateSecurityGroup as eventual consistency, to be retried with backoff
 * ("Eventual consistency in the Amazon EC2 API",
 * https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html);
 * ELB's CreateLoadBalancer reports the same group as `InvalidSecurityGroup`.
 * Two minutes covers what EC2 takes in practice and still fails a truly
 * missing group well inside the step's timeout.
 */
export const NEW_GROUP_RETRY_MS = 120_000;

/**
 * How long DescribeLoadBalancers' LoadBalancerNotFound for the load balancer CreateLoadBalancer just returned
 * counts as "not visible yet" in the wait for `active` (see waitActive in create.ts).
 */
export const NEW_LOAD_BALANCER_RETRY_MS = 60_000;

/** The codes a new security group's propagation delay produces, per call. */
export const NOT_YET_VISIBLE = {
  ec2: "InvalidGroup.NotFound",
  elb: "InvalidSecurityGroup",
} as const;

/** A Describe that does not show the new group yet: retried like the AWS code it stands for. */
export class NotYetVisible extends Error {
  override name = "NotYetVisible";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * Runs `call` and retries it, with the waiter's backoff, while it fails with
 * `code` — only that code, only until `budgetMs` (and the step's deadline,
 * epoch ms) has passed; then the last error is thrown as it was.
 */
export function retryWhileNotVisible<T>(
  code: string,
  deadline: number,
  call: () => Promise<T>,
  budgetMs = NEW_GROUP_RETRY_MS,
): Promise<T> {
  return retryWhileCode(
    {
      what: `a new security group to propagate (${code})`,
      timeoutMs: Math.min(deadline - Date.now(), budgetMs),
      minDelayMs: 500,
      maxDelayMs: 10_000,
    },
    code,
    call,
    { codeOf: (error) => (error instanceof NotYetVisible ? error.code : awsErrorCode(error)) },
  );
}

/**
 * AuthorizeSecurityGroupIngress for one rule that references `sourceGroupId`.
 * The SDK retries a call whose response was lost (a 5xx or a reset after EC2
 * committed it); the retry then gets `InvalidPermission.Duplicate`. The source
 * group is brand new, so a rule referencing it can only be ours: that counts
 * as success, and the rule's ID is looked up (the post step revokes by ID).
 * See "AuthorizeSecurityGroupIngress" (errors) and the EC2 idempotency guide.
 */
export async function authorizeReferencingRule(
  clients: AlbClients,
  input: AuthorizeSecurityGroupIngressCommandInput & { GroupId: string },
  sourceGroupId: string,
  port: number,
): Promise<string[]> {
  try {
    const out = await clients.ec2.send(new AuthorizeSecurityGroupIngressCommand(input));
    return (out.SecurityGroupRules ?? []).flatMap((r) => (r.SecurityGroupRuleId ? [r.SecurityGroupRuleId] : []));
  } catch (error) {
    if (awsErrorCode(error) !== "InvalidPermission.Duplicate") throw error;
    const ids: string[] = [];
    const pages = paginateDescribeSecurityGroupRules(
      { client: clients.ec2 },
      { Filters: [{ Name: "group-id", Values: [input.GroupId] }] },
    );
    for await (const page of pages) {
      for (const r of page.SecurityGroupRules ?? []) {
        if (
          !r.IsEgress &&
          r.ReferencedGroupInfo?.GroupId === sourceGroupId &&
          r.FromPort === port &&
          r.SecurityGroupRuleId
        )
          ids.push(r.SecurityGroupRuleId);
      }
    }
    return ids;
  }
}

/** AuthorizeSecurityGroupIngress where a duplicate (our own committed-then-lost earlier call) is success. */
export async function authorizeIdempotent(
  clients: AlbClients,
  input: AuthorizeSecurityGroupIngressCommandInput,
): Promise<void> {
  try {
    await clients.ec2.send(new AuthorizeSecurityGroupIngressCommand(input));
  } catch (error) {
    if (awsErrorCode(error) !== "InvalidPermission.Duplicate") throw error;
  }
}
