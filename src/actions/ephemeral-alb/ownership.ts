import { DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { DescribeTagsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ConfigurationError } from "../../lib/errors";
import { type AlbClients, isNotFound } from "./clients";
import { TAG_NAME, TAG_RUN_ID, tagValue } from "./tags";
import type { CycleResources } from "./teardown";

type Tags = { Key?: string | undefined; Value?: string | undefined }[] | undefined;

/**
 * `mode: destroy` takes its IDs from a file in RUNNER_TEMP, which any step of
 * the job can write, pull-request code included. So before anything is
 * deleted, every load balancer, target group and security group it names must
 * carry this cycle's tags (name and run id, set by the create step), and each
 * listener must belong to that load balancer; the temporary ingress rules are
 * not taken from the file at all, only looked up as rules referencing the
 * verified security group. A resource that is already gone needs no proof.
 */
export async function checkOwnership(res: CycleResources, runId: string, clients: AlbClients): Promise<void> {
  const base = res.names?.base ?? "";
  const refuse = (what: string, id: string, why: string): never => {
    throw new ConfigurationError(
      `The ephemeral-alb state of ${base} names ${what} ${id}, which is ${why}; nothing was destroyed. Something other than the create step wrote the state file; remove what this run created with 'mode: sweep' and 'run-id: ${runId}'.`,
    );
  };
  const untagged = (tags: Tags) =>
    `not tagged as that cycle of run ${runId} (${TAG_NAME}=${tagValue(tags, TAG_NAME) ?? "none"}, ${TAG_RUN_ID}=${tagValue(tags, TAG_RUN_ID) ?? "none"})`;
  const ours = (tags: Tags) => tagValue(tags, TAG_NAME) === base && tagValue(tags, TAG_RUN_ID) === runId;
  for (const [what, arn] of [
    ["load balancer", res.loadBalancerArn],
    ["target group", res.targetGroupArn],
  ] as const) {
    if (!arn) continue;
    try {
      const out = await clients.elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
      const tags = out.TagDescriptions?.[0]?.Tags;
      if (!ours(tags)) refuse(what, arn, untagged(tags));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  const sg = res.securityGroupId;
  if (sg) {
    try {
      const out = await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [sg] }));
      const group = out.SecurityGroups?.[0];
      if (group && !ours(group.Tags)) refuse("security group", sg, untagged(group.Tags));
    } catch (error) {
      // Not found: gone, or too new to be visible yet (then it can only be the create step's own).
      if (!isNotFound(error)) throw error;
    }
  }
  // `.../loadbalancer/app/<name>/<id>` → a listener of it is `.../listener/app/<name>/<id>/<listener id>`.
  const lbPath = res.loadBalancerArn?.split(":loadbalancer/")[1];
  for (const arn of res.listenerArns) {
    if (!lbPath || !arn.split(":listener/")[1]?.startsWith(`${lbPath}/`))
      refuse("listener", arn, "not a listener of the cycle's load balancer");
  }
  res.taskIngressRules = [];
}
