/**
 * ephemeral-alb against an emulator that behaves like real EC2/ELB:
 * eventually consistent security groups, responses lost after the call was
 * committed, and inputs checked against the account before anything exists.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultRule } from "../../emulator/faults";
import type { RunningEmulator } from "../../emulator/server";
import { errors } from "../../harness/runner";
import { albInputs, describeRun, emulatorFor, inProcess, leftovers, reload, SUBNETS, scenario } from "./cycle";

/** Behaviour tests: the steps run in this process (test/harness/in-process.ts). */
const { runAlb, runAlbPost } = inProcess;

const base = scenario({ tasks: [] });
const CREATES = /^(Create|Authorize)/;

describe("ephemeral-alb and real AWS consistency", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await emulatorFor(base);
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it("retries the new security group's InvalidGroup.NotFound / InvalidSecurityGroup until it has propagated", async () => {
    await reload(emu, base);
    // The new group stays invisible to other calls for 1.5 s (150 s x timeScale 0.01).
    await emu.emulator.loadScenario({ ec2: { consistencyMs: 150_000 } });
    const main = await runAlb(emu, await albInputs());
    expect(main.code, describeRun(main)).toBe(0);
    const codes = emu.emulator.requests.map((r) => `${r.action} ${r.code ?? r.status}`);
    // The emulator really hid it, from exactly the calls that use it.
    expect(codes).toContain("AuthorizeSecurityGroupIngress InvalidGroup.NotFound");
    expect(codes).toContain("CreateLoadBalancer InvalidSecurityGroup");
    const post = await runAlbPost(emu, main);
    expect(post.code, describeRun(post)).toBe(0);
    expect(leftovers(emu)).toEqual({});
  });

  it("waits through a new load balancer's LoadBalancerNotFound in DescribeLoadBalancers until it shows", async () => {
    await reload(emu, base);
    // The new load balancer stays invisible to DescribeLoadBalancers for 1.5 s (150 s x timeScale 0.01).
    await emu.emulator.loadScenario({ elbv2: { loadBalancerConsistencyMs: 150_000 } });
    const main = await runAlb(emu, await albInputs());
    expect(main.code, describeRun(main)).toBe(0);
    const codes = emu.emulator.requests.map((r) => `${r.action} ${r.code ?? r.status}`);
    expect(codes).toContain("DescribeLoadBalancers LoadBalancerNotFound");
    const post = await runAlbPost(emu, main);
    expect(post.code, describeRun(post)).toBe(0);
    expect(leftovers(emu)).toEqual({});
  });

  const lost: [string, FaultRule][] = [
    ["the ALB ingress (5xx)", { service: "ec2", action: "AuthorizeSecurityGroupIngress", loseResponseNth: { n: 1 } }],
    [
      "the task ingress (reset)",
      { service: "ec2", action: "AuthorizeSecurityGroupIngress", loseResponseNth: { n: 2, as: "reset" } },
    ],
    ["CreateSecurityGroup (5xx)", { service: "ec2", action: "CreateSecurityGroup", loseResponseNth: { n: 1 } }],
    ["CreateListener (5xx)", { service: "elasticloadbalancing", action: "CreateListener", loseResponseNth: { n: 1 } }],
    [
      "CreateLoadBalancer (reset)",
      { service: "elasticloadbalancing", action: "CreateLoadBalancer", loseResponseNth: { n: 1, as: "reset" } },
    ],
  ];
  it.each(lost)(
    "a committed call whose response was lost (%s) is retried to success and cleaned up",
    async (_l, rule) => {
      await reload(emu, base);
      emu.emulator.faults.configure({ rules: [rule] });
      const main = await runAlb(emu, await albInputs());
      emu.emulator.faults.configure({ rules: [] });
      expect(main.code, describeRun(main)).toBe(0);
      expect(emu.emulator.requests.map((r) => `${r.action} ${r.code ?? r.status}`)).toContain(
        `${rule.action} LostResponse.${rule.loseResponseNth?.as ?? "5xx"}`,
      );
      const resources = JSON.parse(main.outputs.resources ?? "{}");
      expect(resources.taskIngress.ruleIds).toHaveLength(1);
      const post = await runAlbPost(emu, main);
      expect(post.code, describeRun(post)).toBe(0);
      expect(leftovers(emu)).toEqual({});
    },
  );

  const badInputs: [string, Record<string, string>, RegExp][] = [
    [
      "a subnet that does not exist",
      { "subnet-ids": `${SUBNETS[0]},subnet-0fffffffffffffff0` },
      /^Input 'subnet-ids': subnet-0fffffffffffffff0 does not exist in us-west-2/,
    ],
    [
      "a subnet of another VPC",
      { "subnet-ids": `${SUBNETS[0]},DEFAULT` },
      /^Input 'subnet-ids': subnet-[0-9a-f]+ is in vpc-[0-9a-f]+, not in vpc-id vpc-0e5a1b2c3d4e5f601/,
    ],
    [
      "subnets in a single zone",
      { "subnet-ids": `${SUBNETS[0]},subnet-0e5a1b2c3d4e5f6aa` },
      /^Input 'subnet-ids': a load balancer takes one subnet per Availability Zone/,
    ],
    [
      "a task security group that does not exist",
      { "task-security-group-id": "sg-0fffffffffffffff0" },
      /^Input 'task-security-group-id': security group sg-0fffffffffffffff0 does not exist/,
    ],
    [
      "a tag ELB refuses",
      { tags: '{"cost#center": "42"}' },
      /^Input 'tags': the key 'cost#center' .* Elastic Load Balancing refuses/,
    ],
  ];
  it.each(badInputs)("refuses %s before the first create call: nothing is created", async (_l, extra, message) => {
    await reload(emu, base);
    await emu.emulator.loadScenario({
      ec2: {
        subnets: [
          {
            id: "subnet-0e5a1b2c3d4e5f6aa",
            vpcId: "vpc-0e5a1b2c3d4e5f601",
            cidr: "10.0.9.0/24",
            availabilityZone: "us-west-2a",
          },
        ],
      },
    });
    const defaultSubnet = (
      emu.emulator.state() as { ec2: { subnets: { id: string; defaultForAz: boolean }[] } }
    ).ec2.subnets.find((s) => s.defaultForAz)?.id as string;
    const inputs = await albInputs(
      Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, v.replace("DEFAULT", defaultSubnet)])),
    );
    const main = await runAlb(emu, inputs);
    expect(main.code).toBe(1);
    expect(errors(main).join("\n")).toMatch(message);
    expect(emu.emulator.requests.filter((r) => CREATES.test(r.action))).toEqual([]);
    expect(leftovers(emu)).toEqual({});
    const post = await runAlbPost(emu, main);
    expect(post.code, describeRun(post)).toBe(0);
  });
});
