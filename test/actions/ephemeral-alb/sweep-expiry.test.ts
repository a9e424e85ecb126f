import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";
import { DescribeTagsCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { albClients } from "../../../src/actions/ephemeral-alb/clients";
import { readInputs } from "../../../src/actions/ephemeral-alb/inputs";
import { run } from "../../../src/actions/ephemeral-alb/run";
import type { AlbState } from "../../../src/actions/ephemeral-alb/state";
import type { Clock } from "../../../src/lib/retry";
import type { RunningEmulator } from "../../emulator/server";
import { fakeDeps } from "../../harness/fake-deps";
import { albInputs, emulatorFor, REGION, scenario } from "./cycle";

const credentials = { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" };
const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const MIN = 60_000;

/** A clock that reads `at` plus the real time since it was made (the emulator runs in real time). */
function clockAt(at: number): Clock {
  const started = Date.now();
  return { now: () => at + (Date.now() - started) };
}

describe("ephemeral-alb sweep dry-run: what exists, whose run, when it expires (injected clock)", () => {
  let emu: RunningEmulator;
  let elb: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  const env = (extra: Record<string, string> = {}) => ({
    AWS_REGION: REGION,
    GITHUB_WORKSPACE: mkdtempSync(join(tmpdir(), "eas-expiry-")),
    GITHUB_REPOSITORY: "octo-org/papyrus",
    GITHUB_RUN_ID: "777",
    ...extra,
  });
  beforeAll(async () => {
    emu = await emulatorFor(scenario({ tasks: [] }));
    elb = new ElasticLoadBalancingV2Client({ endpoint: emu.endpoint, region: REGION, credentials });
    ec2 = new EC2Client({ endpoint: emu.endpoint, region: REGION, credentials });
  });
  afterAll(async () => {
    await emu?.stop();
  });

  async function sweep(values: Record<string, string>, at: number) {
    const seam = fakeDeps({ clock: clockAt(at) });
    const result = await run(
      readInputs((n) => values[n] ?? "", env()),
      {
        ...seam,
        clients: { ...albClients("us-west-2"), elb, ec2 },
        store: { save: () => {} },
      },
    );
    return { result, summary: seam.summaryText(), log: seam.logText() };
  }

  it("prints each resource, the run and repository, and the expiry tag's time and distance", async () => {
    const created = await albInputs({ keep: true, "ttl-minutes": 60 });
    const values = Object.fromEntries(Object.entries(created).map(([k, v]) => [k, String(v)]));
    let state: AlbState | undefined;
    const clock = clockAt(T0);
    const result = await run(
      readInputs((n) => values[n] ?? "", env()),
      {
        ...fakeDeps({ clock }),
        clients: { ...albClients("us-west-2"), elb, ec2 },
        store: { save: (s) => (state = structuredClone(s)) },
      },
    );
    expect(result.failure).toBeUndefined();
    const createdAt = state?.createdAt as number;
    expect(createdAt - T0).toBeGreaterThanOrEqual(0);
    expect(createdAt - T0).toBeLessThan(MIN);
    const expiry = new Date(createdAt + 60 * MIN).toISOString();

    // The tag on the resources, and the audit record, both say createdAt + ttl-minutes.
    const tags = await elb.send(new DescribeTagsCommand({ ResourceArns: [state?.loadBalancerArn as string] }));
    const tagged = tags.TagDescriptions?.[0]?.Tags?.find((t) => t.Key === "ecs-alb-smoke:expires-at")?.Value;
    expect(tagged).toBe(expiry);
    const record = result.outputs.resources as { tags: { Key: string; Value: string }[] };
    expect(record.tags.find((t) => t.Key === "ecs-alb-smoke:expires-at")?.Value).toBe(expiry);
    const base = state?.names.base as string;

    // 125 minutes after the start: expired 65 minutes ago.
    const late = await sweep({ mode: "sweep", "dry-run": "true", "older-than-minutes": "0" }, createdAt + 125 * MIN);
    expect(late.summary).toContain(`\`${base}\` (run 777 of octo-org/papyrus, ${expiry} (expired 1 h 5 min ago))`);
    expect(late.summary).toContain(`load balancer \`${state?.loadBalancerArn}\``);
    expect(late.summary).toContain(`security group \`${state?.securityGroupId}\``);
    expect(late.log).toContain(
      `Would remove ${base} (run 777 of octo-org/papyrus, ${expiry} (expired 1 h 5 min ago)):`,
    );
    expect(late.log).toContain(`  target group ${state?.targetGroupArn}`);
    const cycles = (late.result.outputs.resources as { cycles: { name: string; expiresInMinutes: number }[] }).cycles;
    expect(cycles.find((c) => c.name === base)?.expiresInMinutes).toBe(-65);

    // 20 minutes after the start: not expired, so not in an older-than sweep; a run-id dry-run shows 40 min left.
    const early = await sweep({ mode: "sweep", "dry-run": "true", "older-than-minutes": "0" }, createdAt + 20 * MIN);
    expect(early.summary).not.toContain(base);
    const byRun = await sweep({ mode: "sweep", "dry-run": "true", "run-id": "777" }, createdAt + 20 * MIN);
    expect(byRun.summary).toContain(`${expiry} (expires in 40 min)`);

    // Nothing was removed by the dry runs; a real sweep of the run cleans up.
    const real = await sweep({ mode: "sweep", "run-id": "777" }, createdAt + 20 * MIN);
    expect(real.result.outputs["swept-count"]).toBe(1);
    expect(real.log).toContain(`Sweeping ${base} (run 777 of octo-org/papyrus, ${expiry} (expires in 40 min)).`);
    expect(emu.emulator.leftovers()).toEqual({});
  });
});
