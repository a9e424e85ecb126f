import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
  InvalidTargetException,
  TargetGroupNotFoundException,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsErrorCode, awsException, errorMessage, isAccessDenied } from "../../lib/errors";
import type { ActionDeps } from "../../lib/run-action";
import { type RegisteredState, STATE_KEY } from "./run";

export interface PostDeps extends ActionDeps {
  elb: (region: string) => ElasticLoadBalancingV2Client;
}

/** The post step: deregister what main registered. A target group already deleted counts as done. */
export async function deregisterFromState(deps: PostDeps): Promise<{ failure?: string }> {
  const { log, elb } = deps;
  const state = deps.state.load<RegisteredState>(STATE_KEY, 1);
  if (!state) {
    log.info("Nothing was registered: nothing to deregister.");
    return {};
  }
  if (!state.deregister) {
    log.info(
      state.kept
        ? `keep: leaving ${state.targets.map((t) => `${t.Id}:${t.Port}`).join(", ")} registered in the kept ALB's target group; the sweep that removes the ALB (ephemeral-alb mode: sweep) removes them with it.`
        : "deregister-on-post is false: leaving the targets registered.",
    );
    return {};
  }
  try {
    await elb(state.region).send(
      new DeregisterTargetsCommand({ TargetGroupArn: state.targetGroupArn, Targets: state.targets }),
    );
    log.info(`Deregistered ${state.targets.map((t) => `${t.Id}:${t.Port}`).join(", ")}.`);
  } catch (error) {
    const gone = awsException(error);
    if (gone instanceof TargetGroupNotFoundException || gone instanceof InvalidTargetException) {
      const code = awsErrorCode(error);
      log.info(`The targets are already gone (${code}).`);
      return {};
    }
    // The policy allows DeregisterTargets only on a target group tagged by the suite; on one already
    // deleted (ephemeral-alb's 'mode: destroy' ran first) there is no tag to match, so AWS answers
    // AccessDenied. Only if a Describe confirms the target group is gone is that "done".
    if (denied(error) && (await targetGroupGone(elb(state.region), state.targetGroupArn))) {
      log.info(`The target group ${state.targetGroupArn} is already deleted: nothing to deregister.`);
      return {};
    }
    const targets = state.targets.map((t) => `Id=${t.Id},Port=${t.Port}`).join(" ");
    return {
      failure: `${errorMessage(error)} Deregister by hand: aws elbv2 deregister-targets --target-group-arn ${state.targetGroupArn} --targets ${targets} --region ${state.region}`,
    };
  }
  return {};
}

async function targetGroupGone(elb: ElasticLoadBalancingV2Client, arn: string): Promise<boolean> {
  try {
    await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }));
    return false;
  } catch (error) {
    return awsException(error) instanceof TargetGroupNotFoundException;
  }
}

const denied = isAccessDenied;
