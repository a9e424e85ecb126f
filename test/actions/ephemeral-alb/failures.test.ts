import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../emulator/faults";
import type { RunningEmulator } from "../../emulator/server";
import { errors, type RunResult } from "../../harness/runner";
import {
  albInputs,
  describeRun,
  emulatorFor,
  inProcess,
  leftovers,
  reload,
  scenario,
  runAlbPost as spawnedPost,
  startAlb,
} from "./cycle";

/** Behaviour tests: the steps run in this process (test/harness/in-process.ts). */
const { runAlb, runAlbPost } = inProcess;

const CREATE_STEPS: { service: string; action: string; iam: string; nth?: number }[] = [
  { service: "ec2", action: "CreateSecurityGroup", iam: "ec2:CreateSecurityGroup" },
  { service: "elasticloadbalancing", action: "CreateTargetGroup", iam: "elasticloadbalancing:CreateTargetGroup" },
  { service: "elasticloadbalancing", action: "CreateLoadBalancer", iam: "elasticloadbalancing:CreateLoadBalancer" },
  { service: "elasticloadbalancing", action: "CreateListener", iam: "elasticloadbalancing:CreateListener" },
  { service: "ec2", action: "AuthorizeSecurityGroupIngress", iam: "ec2:AuthorizeSecurityGroupIngress", nth: 1 },
  { service: "ec2", action: "AuthorizeSecurityGroupIngress", iam: "ec2:AuthorizeSecurityGroupIngress", nth: 2 },
  {
    service: "elasticloadbalancing",
    action: "DescribeLoadBalancers",
    iam: "elasticloadbalancing:DescribeLoadBalancers",
  },
];

const base = scenario({ tasks: [] });

describe("ephemeral-alb under faults", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await emulatorFor(base);
  });
  afterAll(async () => {
    await emu?.stop();
  });

  async function expectPostCleans(main: Pick<RunResult, "state" | "workspace">, runPost = runAlbPost) {
    emu.emulator.faults.configure({ rules: [] });
    const post = await runPost(emu, main);
    expect(post.code, describeRun(post)).toBe(0);
    expect(leftovers(emu)).toEqual({});
  }

  it.each(CREATE_STEPS.map((s) => [`${s.action}${s.nth ? ` #${s.nth}` : ""}`, s] as const))(
    "AccessDenied on %s: main fails naming the operation, post removes everything",
    async (_label, step) => {
      await reload(emu, base);
      emu.emulator.faults.configure({
        rules: [
          {
            service: step.service,
            action: step.action,
            failNth: {
              n: step.nth ?? 1,
              code: step.service === "ec2" ? "UnauthorizedOperation" : "AccessDenied",
              status: 403,
            },
          },
        ],
      });
      const main = await runAlb(emu, await albInputs());
      expect(main.code, describeRun(main)).toBe(1);
      const message = errors(main).join("\n");
      expect(message).toContain(`${step.iam} was denied`);
      expect(message).toContain("The post step removes what was created.");
      await expectPostCleans(main);
    },
  );

  it("a post step that cannot delete something fails, listing the AWS error and the command, and still deletes the rest", async () => {
    await reload(emu, base);
    const main = await runAlb(emu, await albInputs());
    expect(main.code, describeRun(main)).toBe(0);
    emu.emulator.faults.configure({
      rules: [
        { service: "ec2", action: "DeleteSecurityGroup", failFrom: { code: "UnauthorizedOperation", status: 403 } },
      ],
    });
    const post = await runAlbPost(emu, main);
    expect(post.code).toBe(1);
    const sg = main.outputs["security-group-id"] as string;
    expect(post.summary).toContain("1 item(s) left behind");
    expect(post.summary).toContain("ec2:DeleteSecurityGroup was denied (UnauthorizedOperation");
    expect(post.summary).toContain(`aws ec2 delete-security-group --group-id ${sg} --region us-west-2`);
    expect(post.summary).toMatch(/\| delete load balancer \| `arn:[^`]+` \| deleted \|/);
    expect(post.summary).toMatch(/\| delete target group \| `arn:[^`]+` \| deleted \|/);
    expect(errors(post).join("\n")).toMatch(/^ephemeral-alb \(post\): 1 item\(s\) could not be removed/m);
    // Run again once the permission is back: idempotent, removes the rest.
    await expectPostCleans(main);
  });

  it("throttling on every operation still creates, and the post step still destroys", async () => {
    await reload(emu, base);
    const services = ["ec2", "elasticloadbalancing"];
    // Every operation's first call is throttled, and a third of all calls after that.
    const actions = [
      ...[
        "CreateSecurityGroup",
        "AuthorizeSecurityGroupIngress",
        "RevokeSecurityGroupIngress",
        "DeleteSecurityGroup",
      ].map((a) => ["ec2", a]),
      ...["DescribeSecurityGroups", "DescribeSecurityGroupRules", "DescribeNetworkInterfaces"].map((a) => ["ec2", a]),
      ...[
        "CreateTargetGroup",
        "CreateLoadBalancer",
        "CreateListener",
        "DescribeLoadBalancers",
        "DescribeTargetGroups",
        "DescribeListeners",
        "DescribeTargetHealth",
        "DeleteListener",
        "DeleteLoadBalancer",
        "DeleteTargetGroup",
      ].map((a) => ["elasticloadbalancing", a]),
    ] as [string, string][];
    const rules = [
      ...actions.map(([service, action]) => ({
        service,
        action,
        failNth: { n: 1, code: service === "ec2" ? "RequestLimitExceeded" : "Throttling", status: 400 },
      })),
      ...services.map((service) => ({ service, throttleRate: 0.3 })),
    ];
    emu.emulator.faults.configure({ seed: 7, rules });
    const main = await runAlb(emu, await albInputs());
    expect(main.code, describeRun(main)).toBe(0);
    const post = await runAlbPost(emu, main);
    expect(post.code, describeRun(post)).toBe(0);
    const throttled = emu.emulator.requests.filter((r) => r.code === "Throttling" || r.code === "RequestLimitExceeded");
    const throttledActions = new Set(throttled.map((r) => r.action));
    for (const [, action] of actions) expect(throttledActions.has(action), action).toBe(true);
    emu.emulator.faults.configure({ rules: [] });
    expect(leftovers(emu)).toEqual({});
  });

  it("SIGKILL at seeded moments of main: post from the saved state leaves nothing", async () => {
    const random = seededRandom(20261123);
    for (let run = 0; run < 4; run++) {
      await reload(emu, base);
      // Kill when the n-th AWS call arrives (1..9): somewhere between the first create and the wait for active.
      const n = 1 + Math.floor(random() * 9);
      const running = startAlb(emu, await albInputs());
      let killed = false;
      for (let i = 0; i < 1000 && running.child.exitCode === null; i++) {
        if (emu.emulator.requests.length >= n) {
          running.child.kill("SIGKILL");
          killed = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const main = await running.result;
      if (killed) expect(main.signal).toBe("SIGKILL");
      // A kill test: main and post are real processes.
      await expectPostCleans(main, spawnedPost);
    }
  });
});
