import { DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { awsErrorCode } from "../../lib/errors";
import { done, hopeless, notYet, WaiterState, waitFor } from "../../lib/wait";
import type { AlbClients } from "./clients";
import { NEW_GROUP_RETRY_MS } from "./consistency";
import { findSecurityGroup } from "./lookup";

/**
 * EC2 is eventually consistent: right after CreateSecurityGroup, a delete or
 * describe of the new group may answer `InvalidGroup.NotFound` although the
 * group exists ("Eventual consistency in the Amazon EC2 API",
 * https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
 * A teardown that takes that NotFound for "already gone" leaks the group
 * (fault campaign seed 4123: SIGKILL right after the create). So a NotFound
 * only counts once a Describe agrees *and* either the group was seen before
 * (so it had propagated: the NotFound is a delete, ours or someone's) or the
 * propagation window of the create has passed. The window is the one the
 * create step retries for (NEW_GROUP_RETRY_MS, as Terraform's two-minute
 * propagation timeout).
 */
export interface NewGroupWindow {
  /** Until this time (epoch ms) a NotFound for a group never seen may mean "not propagated yet". */
  visibleBy: number;
  /** A call has already seen the group (it has propagated). */
  seen: boolean;
}

const NOT_FOUND_CODES = new Set(["InvalidGroup.NotFound", "InvalidGroupId.NotFound"]);

/** When the create of a cycle began, the window in which its new group may still be invisible ends here. */
export function visibleBy(createdAt: number | undefined): number {
  // No record of the create (a state from before this field): assume it was just now.
  return (createdAt ?? Date.now()) + NEW_GROUP_RETRY_MS;
}

/** DescribeSecurityGroups by ID: whether EC2 shows the group now. */
export async function securityGroupVisible(clients: AlbClients, groupId: string): Promise<boolean> {
  try {
    const out = await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    return (out.SecurityGroups ?? []).some((g) => g.GroupId === groupId);
  } catch (error) {
    if (NOT_FOUND_CODES.has(awsErrorCode(error) ?? "")) return false;
    throw error;
  }
}

/** The waits below end by their own deadlines; the waiter's is this much later, so it never ends them first. */
const SLACK_MS = 30_000;

/**
 * Deletes the group, retrying DependencyViolation (the load balancer's ENIs
 * are being released) for `dependencyRetryMs` and an unconfirmed NotFound
 * until the window has passed, with the waiter's backoff. Resolves "deleted"
 * or "already gone" (confirmed by Describe); anything else throws the last
 * error, so a group that stays is always reported.
 */
export async function deleteSecurityGroupConfirmed(
  clients: AlbClients,
  groupId: string,
  window: NewGroupWindow,
  dependencyRetryMs: number,
): Promise<"deleted" | "already gone"> {
  const start = Date.now();
  const dependencyUntil = start + dependencyRetryMs;
  // A delete that answers NotFound while Describe still shows the group (a
  // delete propagating) is retried as long as a new group's propagation.
  const notFoundUntil = Math.max(window.visibleBy, start + NEW_GROUP_RETRY_MS);
  let seen = window.seen;
  const waited = await waitFor<"deleted" | "already gone">(
    {
      what: `security group ${groupId} to be deleted`,
      timeoutMs: Math.max(dependencyUntil, notFoundUntil) - start + SLACK_MS,
      minDelayMs: 1_000,
      maxDelayMs: 15_000,
    },
    async () => {
      let until: number;
      try {
        await clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
        return done("deleted");
      } catch (error) {
        const code = awsErrorCode(error);
        if (code === "DependencyViolation") {
          // Only an existing (propagated) group has dependencies.
          seen = true;
          until = dependencyUntil;
        } else if (code !== undefined && NOT_FOUND_CODES.has(code)) {
          const askedAt = Date.now();
          if (await securityGroupVisible(clients, groupId)) {
            seen = true;
            until = notFoundUntil;
          } else {
            if (seen || askedAt >= window.visibleBy) return done("already gone");
            until = window.visibleBy;
          }
        } else throw error;
        if (Date.now() >= until) {
          return hopeless(
            `${(error as Error).message} (still failing after ${Math.round((Date.now() - start) / 1000)}s of retries)`,
          );
        }
        return notYet(code);
      }
    },
    clients.ec2,
  );
  if (waited.state === WaiterState.SUCCESS) return waited.value;
  throw new Error(waited.reason);
}

/**
 * The group by its unique name when the saved state has no ID (the create's
 * answer never arrived): looks until the window has passed, since a new
 * group may be invisible to Describe too. Undefined: Describe confirms that
 * no such group exists after the window.
 */
export async function findNewSecurityGroup(
  clients: AlbClients,
  name: string,
  vpcId: string,
  window: NewGroupWindow,
): Promise<string | undefined> {
  const waited = await waitFor<string | undefined>(
    {
      what: `security group ${name} to be visible or its propagation window to pass`,
      timeoutMs: window.visibleBy - Date.now() + SLACK_MS,
      minDelayMs: 1_000,
      maxDelayMs: 10_000,
    },
    async () => {
      const askedAt = Date.now();
      const id = await findSecurityGroup(clients, name, vpcId);
      return id || askedAt >= window.visibleBy ? done(id) : notYet("not visible yet");
    },
    clients.ec2,
  );
  if (waited.state === WaiterState.SUCCESS) return waited.value;
  throw new Error(waited.reason);
}
