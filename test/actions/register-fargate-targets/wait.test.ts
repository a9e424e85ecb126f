import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetHealthStateEnum,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StoppedTask } from "../../../src/actions/register-fargate-targets/diagnose";
import type { TaskTarget } from "../../../src/actions/register-fargate-targets/discover";
import { waitUntilHealthy } from "../../../src/actions/register-fargate-targets/wait";
import { withOperationNames } from "../../../src/lib/aws";
import { mockAws } from "../../harness/aws-mock";
import { fakeClock } from "../ephemeral-alb/aws-mocks";

const elbMock = mockAws(ElasticLoadBalancingV2Client);
const TG = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/t/1";
const targets: TaskTarget[] = ["10.0.1.5", "10.0.2.6"].map((ip, i) => ({
  taskArn: `arn:aws:ecs:us-west-2:123456789012:task/papyrus/${String(i).repeat(32)}`,
  ip,
  port: 5000,
  deploymentId: "ecs-svc/1",
  taskDefinitionArn: "td",
  availabilityZone: "us-west-2a",
  networkInterfaceId: `eni-${i}`,
  subnetId: "subnet-0a1b2c3d",
}));

type Health = [TargetHealthStateEnum, string?, string?];
function answers(...polls: Health[][]) {
  let i = 0;
  elbMock.on(DescribeTargetHealthCommand).callsFake(() => {
    const poll = polls[Math.min(i++, polls.length - 1)] as Health[];
    return {
      TargetHealthDescriptions: poll.map(([State, Reason, Description], n) => ({
        Target: { Id: targets[n]?.ip, Port: 5000 },
        TargetHealth: { State, ...(Reason ? { Reason } : {}), ...(Description ? { Description } : {}) },
      })),
    };
  });
}

describe("waitUntilHealthy", () => {
  let stopped: StoppedTask[];
  let clock: ReturnType<typeof fakeClock>;
  const opts = () => {
    clock = fakeClock();
    return { timeoutMs: 600_000, healthCheckIntervalSeconds: 5, stoppedTasks: async () => stopped };
  };
  beforeEach(() => {
    elbMock.reset();
    stopped = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("succeeds once every target is healthy, confirmed by one more describe", async () => {
    answers(
      [["initial", "Elb.RegistrationInProgress"], ["initial"]],
      [["healthy"], ["initial"]],
      [["healthy"], ["healthy"]],
      [["healthy"], ["healthy"]],
    );
    const result = await waitUntilHealthy(
      withOperationNames(new ElasticLoadBalancingV2Client({})),
      TG,
      targets,
      opts(),
    );
    expect(result.healthy).toBe(true);
    expect(elbMock.commandCalls(DescribeTargetHealthCommand)).toHaveLength(4);
  });

  it("fails fast on a target unhealthy in two consecutive polls, not at the timeout", async () => {
    answers(
      [["initial"], ["initial"]],
      [["healthy"], ["unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [404]"]],
    );
    const o = opts();
    const result = await waitUntilHealthy(withOperationNames(new ElasticLoadBalancingV2Client({})), TG, targets, o);
    expect(result).toMatchObject({
      healthy: false,
      reason: "target(s) cannot become healthy: 10.0.2.6:5000 unhealthy (Target.ResponseCodeMismatch)",
    });
    expect(elbMock.commandCalls(DescribeTargetHealthCommand)).toHaveLength(3);
    expect(clock.now() - 1_700_000_000_000).toBeLessThan(10_000);
  });

  it("fails fast when no listener uses the target group", async () => {
    answers([
      ["unused", "Target.NotInUse"],
      ["unused", "Target.NotInUse"],
    ]);
    const result = await waitUntilHealthy(
      withOperationNames(new ElasticLoadBalancingV2Client({})),
      TG,
      targets,
      opts(),
    );
    expect(result).toMatchObject({ healthy: false });
    expect(result.healthy === false && result.reason).toContain("Target.NotInUse");
  });

  it("takes Target.NotRegistered right after registration for propagation, not for a deregistration", async () => {
    const notRegistered: Health = ["unused", "Target.NotRegistered"];
    answers(
      [notRegistered, notRegistered],
      [notRegistered, notRegistered],
      [notRegistered, notRegistered],
      [["initial", "Elb.RegistrationInProgress"], notRegistered],
      [["healthy"], ["initial", "Elb.InitialHealthChecking"]],
      [["healthy"], ["healthy"]],
    );
    const result = await waitUntilHealthy(
      withOperationNames(new ElasticLoadBalancingV2Client({})),
      TG,
      targets,
      opts(),
    );
    expect(result.healthy).toBe(true);
  });

  it("fails on Target.NotRegistered once the grace period is over, or once the target was seen registered", async () => {
    answers([["unused", "Target.NotRegistered"], ["healthy"]]);
    const o = opts();
    const stale = await waitUntilHealthy(withOperationNames(new ElasticLoadBalancingV2Client({})), TG, targets, o);
    expect(stale).toMatchObject({
      healthy: false,
      reason: expect.stringContaining("10.0.1.5:5000 unused (Target.NotRegistered)"),
    });
    const waited = clock.now() - 1_700_000_000_000;
    expect(waited).toBeGreaterThanOrEqual(60_000);
    expect(waited).toBeLessThan(70_000);

    elbMock.reset();
    answers([["initial"], ["initial"]], [["unused", "Target.NotRegistered"], ["initial"]]);
    const o2 = opts();
    const gone = await waitUntilHealthy(withOperationNames(new ElasticLoadBalancingV2Client({})), TG, targets, o2);
    expect(gone).toMatchObject({ healthy: false, reason: expect.stringContaining("Target.NotRegistered") });
    expect(clock.now() - 1_700_000_000_000).toBeLessThan(5_000);
  });

  it("fails fast when a task stopped", async () => {
    answers([["initial"], ["unhealthy", "Target.Timeout"]]);
    stopped = [
      {
        taskArn: "t1",
        lastStatus: "STOPPED",
        stoppedReason: "Essential container in task exited",
        exitCodes: [{ container: "web", exitCode: 3, reason: undefined }],
      },
    ];
    const result = await waitUntilHealthy(
      withOperationNames(new ElasticLoadBalancingV2Client({})),
      TG,
      targets,
      opts(),
    );
    expect(result).toMatchObject({ healthy: false, reason: "1 task(s) stopped while waiting", stopped });
  });

  it("only a target stuck in its initial checks sits out the timeout", async () => {
    answers([["initial", "Elb.InitialHealthChecking"], ["healthy"]]);
    const o = { ...opts(), timeoutMs: 60_000 };
    const result = await waitUntilHealthy(withOperationNames(new ElasticLoadBalancingV2Client({})), TG, targets, o);
    expect(result.healthy).toBe(false);
    expect(result.healthy === false && result.reason).toMatch(
      /^Timed out after 60s waiting for the targets to become healthy: 1 initial, 1 healthy/,
    );
    // Polls grow from 200 ms to a quarter of the health-check interval.
    expect(clock.slept[0]).toBe(200);
    expect(Math.max(...clock.slept)).toBe(1_250);
  });
});
