import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  AddTagsCommand,
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { albClients } from "../../../src/actions/ephemeral-alb/clients";
import { readInputs } from "../../../src/actions/ephemeral-alb/inputs";
import { run } from "../../../src/actions/ephemeral-alb/run";
import type { RunningEmulator } from "../../emulator/server";
import { fakeDeps } from "../../harness/fake-deps";
import { albInputs, describeRun, emulatorFor, inProcess, leftovers, REGION, SUBNETS, scenario } from "./cycle";

/** Behaviour tests: the steps run in this process (test/harness/in-process.ts). */
const { runAlb, runAlbPost } = inProcess;

const credentials = { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" };

/** Makes a kept cycle look like one from yesterday: its expiry tags move into the past. */
interface AlbRecord {
  loadBalancer: { arn: string };
  targetGroup: { arn: string };
  securityGroup: { id: string };
  taskIngress: { ruleIds: string[] };
}

async function backdate(emu: RunningEmulator, resources: AlbRecord) {
  const past = new Date(Date.now() - 24 * 3_600_000).toISOString();
  const tag = [{ Key: "ecs-alb-smoke:expires-at", Value: past }];
  const elb = new ElasticLoadBalancingV2Client({ endpoint: emu.endpoint, region: REGION, credentials });
  const ec2 = new EC2Client({ endpoint: emu.endpoint, region: REGION, credentials });
  await elb.send(
    new AddTagsCommand({ ResourceArns: [resources.loadBalancer.arn, resources.targetGroup.arn], Tags: tag }),
  );
  await ec2.send(
    new CreateTagsCommand({ Resources: [resources.securityGroup.id, ...resources.taskIngress.ruleIds], Tags: tag }),
  );
}

function loadBalancerNames(emu: RunningEmulator): string[] {
  const state = emu.emulator.state() as { elasticloadbalancing: { loadBalancers: { LoadBalancerName: string }[] } };
  return state.elasticloadbalancing.loadBalancers.map((l) => l.LoadBalancerName);
}

describe("ephemeral-alb mode: sweep", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await emulatorFor(scenario({ tasks: [] }));
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it("removes an expired leftover, keeps a fresh one; dry-run lists; run-id removes that run's", async () => {
    const old = await runAlb(emu, await albInputs({ keep: true, leg: "old" }));
    const fresh = await runAlb(emu, await albInputs({ keep: true, leg: "fresh" }));
    expect(old.code, describeRun(old)).toBe(0);
    expect(fresh.code, describeRun(fresh)).toBe(0);
    expect(old.annotations.some((a) => a.level === "warning" && a.message.includes("will NOT be destroyed"))).toBe(
      true,
    );
    // keep: true — the post steps leave everything.
    const keptPost = await runAlbPost(emu, old);
    expect(keptPost.code, describeRun(keptPost)).toBe(0);
    expect(loadBalancerNames(emu)).toHaveLength(2);

    const oldResources = JSON.parse(old.outputs.resources ?? "{}");
    const freshName = JSON.parse(fresh.outputs.resources ?? "{}").names.loadBalancer;
    await backdate(emu, oldResources);

    const dry = await runAlb(emu, { mode: "sweep", "dry-run": true, "older-than-minutes": 0 });
    expect(dry.code, describeRun(dry)).toBe(0);
    expect(dry.summary).toContain(oldResources.names.base);
    expect(dry.summary).not.toContain(freshName.replace(/-alb$/, ""));
    expect(loadBalancerNames(emu)).toHaveLength(2);

    const sweep = await runAlb(emu, { mode: "sweep", "older-than-minutes": 0 });
    expect(sweep.code, describeRun(sweep)).toBe(0);
    expect(sweep.outputs["swept-count"]).toBe("1");
    expect(loadBalancerNames(emu)).toEqual([freshName]);
    const swept = JSON.parse(sweep.outputs.resources ?? "{}");
    expect(swept.steps.every((s: { outcome: string }) => s.outcome !== "left")).toBe(true);
    expect(swept.steps.map((s: { step: string }) => s.step)).toEqual(
      expect.arrayContaining([
        "delete load balancer",
        "revoke temporary ingress",
        "delete security group",
        "delete target group",
      ]),
    );

    const byRun = await runAlb(emu, { mode: "sweep", "run-id": "4242424242" });
    expect(byRun.code, describeRun(byRun)).toBe(0);
    expect(leftovers(emu)).toEqual({});
  });

  it("refuses bad inputs naming the input, before any AWS call", async () => {
    const before = emu.emulator.requests.length;
    const cases: [Record<string, string | number | boolean>, RegExp][] = [
      [{ "subnet-ids": "subnet-0e5a1b2c3d4e5f601" }, /^Input 'subnet-ids': needs at least two subnets/],
      [{ "name-prefix": "a-very-long-name-prefix-x" }, /^Input 'name-prefix': is 25 characters; at most 21 fit/],
      [{ "vpc-id": "vpc-nope" }, /^Input 'vpc-id': 'vpc-nope' is not a VPC ID/],
      [{ "ingress-cidrs": "10.0.0.0/33" }, /^Input 'ingress-cidrs': '10.0.0.0\/33' is not an IPv4 CIDR/],
      [{ "health-check-path": "healthz" }, /^Input 'health-check-path': must start with '\/'/],
      [{ "name-prefix": "sg-app" }, /^Input 'name-prefix': 'sg-app' must not start with 'sg-'/],
      [{ "health-check-matcher": "200-599" }, /^Input 'health-check-matcher': '200-599': 599 is outside 200-499/],
      [
        { "health-check-matcher": "399-200" },
        /^Input 'health-check-matcher': '399-200': the range '399-200' runs backwards/,
      ],
      [{ mode: "scrub" }, /^Input 'mode': must be one of 'create', 'sweep', 'destroy'/],
    ];
    for (const [bad, message] of cases) {
      const r = await runAlb(emu, await albInputs(bad));
      expect(r.code, describeRun(r)).toBe(1);
      expect(
        r.annotations
          .filter((a) => a.level === "error")
          .map((a) => a.message)
          .join("\n"),
      ).toMatch(message);
      expect(r.state).toEqual({});
      const post = await runAlbPost(emu, r);
      expect(post.code).toBe(0);
    }
    expect(emu.emulator.requests.length).toBe(before);
    expect(leftovers(emu)).toEqual({});
  });

  it("goes on when a resource it listed is deleted before DescribeTags (a concurrent run's post step)", async () => {
    const kept = await runAlb(emu, await albInputs({ keep: true, leg: "concurrent" }));
    expect(kept.code, describeRun(kept)).toBe(0);
    const runId = JSON.parse(kept.outputs.resources ?? "{}").tags.find(
      (t: { Key: string }) => t.Key === "ecs-alb-smoke:run-id",
    ).Value;
    const elb = new ElasticLoadBalancingV2Client({ endpoint: emu.endpoint, region: REGION, credentials });
    const ec2 = new EC2Client({ endpoint: emu.endpoint, region: REGION, credentials });
    const other = await elb.send(new CreateLoadBalancerCommand({ Name: "someone-elses", Subnets: SUBNETS }));
    const otherArn = other.LoadBalancers?.[0]?.LoadBalancerArn as string;
    // The other load balancer disappears between the sweep's listing and its first DescribeTags.
    let deleted = false;
    elb.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "DescribeTagsCommand" && !deleted) {
          deleted = true;
          await new ElasticLoadBalancingV2Client({ endpoint: emu.endpoint, region: REGION, credentials }).send(
            new DeleteLoadBalancerCommand({ LoadBalancerArn: otherArn }),
          );
        }
        return next(args);
      },
      { step: "initialize", name: "deleteConcurrently" },
    );
    const values: Record<string, string> = {
      mode: "sweep",
      "run-id": runId,
    };
    const result = await run(
      readInputs((name) => values[name] ?? "", {
        AWS_REGION: REGION,
        GITHUB_WORKSPACE: mkdtempSync(join(tmpdir(), "eas-sweep-")),
      }),
      { ...fakeDeps(), clients: { ...albClients("us-west-2"), elb, ec2 }, store: { save: () => {} } },
    );
    expect(deleted).toBe(true);
    expect(result.failure).toBeUndefined();
    expect(result.outputs["swept-count"]).toBe(1);
    const describeTags = emu.emulator.requests.filter(
      (r) => r.action === "DescribeTags" && r.service === "elasticloadbalancing",
    );
    expect(describeTags.some((r) => r.code === "LoadBalancerNotFound")).toBe(true);
    expect(leftovers(emu)).toEqual({});
  });
});
