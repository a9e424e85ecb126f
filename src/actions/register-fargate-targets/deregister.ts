import * as core from "@actions/core";
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsErrorCode, describeFailure, errorMessage, isAccessDenied, OperationFailed } from "../../lib/errors";
import type { RegisteredState } from "./run";

const GONE = new Set(["TargetGroupNotFound", "InvalidTarget"]);

/** The post step: deregister what main registered. A target group already deleted counts as done. */
export async function deregisterFromState(
  raw: string,
  elb: (region: string) => ElasticLoadBalancingV2Client,
): Promise<{ failure?: string }> {
  if (raw.trim() === "") {
    core.info("Nothing was registered: nothing to deregister.");
    return {};
  }
  const state = JSON.parse(raw) as RegisteredState;
  if (!state.deregister) {
    core.info(
      state.kept
        ? `keep: leaving ${state.targets.map((t) => `${t.Id}:${t.Port}`).join(", ")} registered in the kept ALB's target group; the sweep that removes the ALB (ephemeral-alb mode: sweep) removes them with it.`
        : "deregister-on-post is false: leaving the targets registered.",
    );
    return {};
  }
  try {
    await describeFailure("elasticloadbalancing:DeregisterTargets", () =>
      elb(state.region).send(
        new DeregisterTargetsCommand({ TargetGroupArn: state.targetGroupArn, Targets: state.targets }),
      ),
    );
    core.info(`Deregistered ${state.targets.map((t) => `${t.Id}:${t.Port}`).join(", ")}.`);
  } catch (error) {
    const code = awsErrorCode(error) ?? (error as { code?: string }).code;
    if (code && GONE.has(code)) {
      core.info(`The targets are already gone (${code}).`);
      return {};
    }
    // The policy allows DeregisterTargets only on a target group tagged by the suite; on one already
    // deleted (ephemeral-alb's 'mode: destroy' ran first) there is no tag to match, so AWS answers
    // AccessDenied. Only if a Describe confirms the target group is gone is that "done".
    if (denied(error) && (await targetGroupGone(elb(state.region), state.targetGroupArn))) {
      core.info(`The target group ${state.targetGroupArn} is already deleted: nothing to deregister.`);
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
    return awsErrorCode(error) === "TargetGroupNotFound";
  }
}

function denied(error: unknown): boolean {
  return error instanceof OperationFailed ? error.accessDenied : isAccessDenied(error);
}
