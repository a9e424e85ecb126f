import {
  AuthorizeSecurityGroupIngressCommand,
  type AuthorizeSecurityGroupIngressCommandInput,
  paginateDescribeSecurityGroupRules,
} from "@aws-sdk/client-ec2";
import { describeFailure } from "../../lib/errors";
import { backoffMs, type Clock } from "../../lib/retry";
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

/** The codes a new security group's propagation delay produces, per call. */
export const NOT_YET_VISIBLE = {
  ec2: "InvalidGroup.NotFound",
  elb: "InvalidSecurityGroup",
} as const;

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code;
}

/**
 * Runs `call` and retries it, with backoff, while it fails with `code` — only
 * that code, only until `budgetMs` (and the step's deadline) has passed; then
 * the last error is thrown as it was.
 */
export async function retryWhileNotVisible<T>(
  code: string,
  clock: Clock,
  deadline: number,
  call: () => Promise<T>,
  budgetMs = NEW_GROUP_RETRY_MS,
): Promise<T> {
  const until = Math.min(deadline, clock.now() + budgetMs);
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const left = until - clock.now();
      if (codeOf(error) !== code || left <= 0) throw error;
      await clock.sleep(Math.min(left, Math.max(500, backoffMs(attempt, 1_000, 10_000))));
    }
  }
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
    const out = await describeFailure("ec2:AuthorizeSecurityGroupIngress", () =>
      clients.ec2.send(new AuthorizeSecurityGroupIngressCommand(input)),
    );
    return (out.SecurityGroupRules ?? []).flatMap((r) => (r.SecurityGroupRuleId ? [r.SecurityGroupRuleId] : []));
  } catch (error) {
    if (codeOf(error) !== "InvalidPermission.Duplicate") throw error;
    const ids: string[] = [];
    const pages = paginateDescribeSecurityGroupRules(
      { client: clients.ec2 },
      { Filters: [{ Name: "group-id", Values: [input.GroupId] }] },
    );
    await describeFailure("ec2:DescribeSecurityGroupRules", async () => {
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
    });
    return ids;
  }
}

/** AuthorizeSecurityGroupIngress where a duplicate (our own committed-then-lost earlier call) is success. */
export async function authorizeIdempotent(
  clients: AlbClients,
  input: AuthorizeSecurityGroupIngressCommandInput,
): Promise<void> {
  try {
    await describeFailure("ec2:AuthorizeSecurityGroupIngress", () =>
      clients.ec2.send(new AuthorizeSecurityGroupIngressCommand(input)),
    );
  } catch (error) {
    if (codeOf(error) !== "InvalidPermission.Duplicate") throw error;
  }
}
