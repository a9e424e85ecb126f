/**
 * `mode: destroy`: a later step of the job destroys what the create step
 * made, from the create step's state file in RUNNER_TEMP, proves each
 * resource gone with a Describe and writes `<ts>_alb_destroy.json`; the
 * create step's post step then finds nothing to do. Through the bundles.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecurityGroupCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator/server";
import { errors, type RunResult } from "../../harness/runner";
import { albInputs, describeRun, emulatorFor, inProcess, leftovers, REGION, reload, scenario, VPC } from "./cycle";

/** Behaviour tests: the steps run in this process (test/harness/in-process.ts). */
const { runAlb, runAlbPost } = inProcess;

const base = scenario({ tasks: [] });
const credentials = { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" };
const DELETES = /^(Delete|Revoke|Deregister)/;

interface Job {
  workspace: string;
  runnerTemp: string;
}

function newJob(): Job {
  return { workspace: mkdtempSync(join(tmpdir(), "eas-ws-")), runnerTemp: mkdtempSync(join(tmpdir(), "eas-rt-")) };
}

function evidenceFiles(job: Job, kind: string): string[] {
  const dir = join(job.workspace, "evidence");
  try {
    return readdirSync(dir).filter((f) => f.endsWith(`_${kind}`));
  } catch {
    return [];
  }
}

function errorText(r: RunResult): string {
  return errors(r).join("\n");
}

describe("ephemeral-alb mode: destroy", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await emulatorFor(base);
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it("destroys this job's cycle before upload, proves each resource gone, and leaves the post step nothing to do", async () => {
    await reload(emu, base);
    const job = newJob();
    const create = await runAlb(emu, await albInputs(), job);
    expect(create.code, describeRun(create)).toBe(0);

    const destroy = await runAlb(emu, { mode: "destroy" }, job);
    expect(destroy.code, describeRun(destroy)).toBe(0);
    expect(destroy.outputs["destroyed-count"]).toBe("1");
    expect(leftovers(emu)).toEqual({});

    const [file] = evidenceFiles(job, "alb_destroy.json");
    expect(file).toMatch(/^\d{8}_\d{6}_alb_destroy\.json$/);
    const record = JSON.parse(readFileSync(join(job.workspace, "evidence", file as string), "utf8"));
    const [cycle] = record.cycles;
    expect(cycle.status).toBe("destroyed");
    const resources = JSON.parse(create.outputs.resources ?? "{}");
    const byKind = Object.fromEntries(
      cycle.resources.map((r: { resource: string; id: string }) => [r.resource, r]),
    ) as Record<
      string,
      {
        id: string;
        delete: { call: string; outcome: string };
        describe: { call: string; answer: { code: string } };
        gone: boolean;
      }
    >;
    expect(byKind["load balancer"]).toMatchObject({
      id: create.outputs["load-balancer-arn"],
      delete: { call: "elasticloadbalancing:DeleteLoadBalancer", outcome: "deleted" },
      describe: { call: "elasticloadbalancing:DescribeLoadBalancers", answer: { code: "LoadBalancerNotFound" } },
      gone: true,
    });
    expect(byKind.listener).toMatchObject({
      id: create.outputs["listener-arn"],
      describe: { answer: { code: "ListenerNotFound" } },
      gone: true,
    });
    expect(byKind["target group"]).toMatchObject({
      id: create.outputs["target-group-arn"],
      delete: { call: "elasticloadbalancing:DeleteTargetGroup", outcome: "deleted" },
      describe: { answer: { code: "TargetGroupNotFound" } },
      gone: true,
    });
    expect(byKind["security group"]).toMatchObject({
      id: create.outputs["security-group-id"],
      delete: { call: "ec2:DeleteSecurityGroup", outcome: "deleted" },
      describe: { call: "ec2:DescribeSecurityGroups", answer: { code: "InvalidGroup.NotFound" } },
      gone: true,
    });
    expect(byKind["task ingress rule"]).toMatchObject({
      id: `${resources.taskIngress.groupId} ${resources.taskIngress.ruleIds[0]}`,
      delete: { call: "ec2:RevokeSecurityGroupIngress", outcome: "deleted" },
      describe: { answer: { code: "InvalidSecurityGroupRuleId.NotFound" } },
      gone: true,
    });

    const before = emu.emulator.requests.length;
    const post = await runAlbPost(emu, create, job);
    expect(post.code, describeRun(post)).toBe(0);
    expect(post.stdout).toContain("was destroyed by 'mode: destroy'");
    expect(emu.emulator.requests.slice(before).filter((r) => DELETES.test(r.action))).toEqual([]);
  });

  it("with no create step in this job: a clear error, no AWS call, no evidence", async () => {
    const job = newJob();
    const before = emu.emulator.requests.length;
    const r = await runAlb(emu, { mode: "destroy" }, job);
    expect(r.code, describeRun(r)).toBe(1);
    expect(errorText(r)).toMatch(
      /^mode: destroy found nothing to destroy: no create step of this job .*nothing was touched/,
    );
    expect(emu.emulator.requests.length).toBe(before);
    expect(evidenceFiles(job, "alb_destroy.json")).toEqual([]);
  });

  it.each<[string, Record<string, string | number | boolean>, RegExp]>([
    [
      "vpc-id",
      { "vpc-id": VPC },
      /^Input 'vpc-id': belongs to 'mode: create', but this step runs 'mode: destroy'; nothing was destroyed/,
    ],
    ["keep", { keep: true }, /^Input 'keep': belongs to 'mode: create'/],
    [
      "run-id",
      { "run-id": "4242424242" },
      /^Input 'run-id': belongs to 'mode: sweep', but this step runs 'mode: destroy'/,
    ],
  ])("refuses %s (an input of another mode) before touching anything", async (_name, extra, message) => {
    await reload(emu, base);
    const job = newJob();
    const create = await runAlb(emu, await albInputs(), job);
    expect(create.code, describeRun(create)).toBe(0);
    const before = emu.emulator.requests.length;
    const r = await runAlb(emu, { mode: "destroy", ...extra }, job);
    expect(r.code, describeRun(r)).toBe(1);
    expect(errorText(r)).toMatch(message);
    expect(emu.emulator.requests.length).toBe(before);
    // The post step is still the safety net.
    const post = await runAlbPost(emu, create, job);
    expect(post.code, describeRun(post)).toBe(0);
    expect(leftovers(emu)).toEqual({});
  });

  it("refuses a state file that names a resource not tagged as that cycle, and deletes nothing", async () => {
    await reload(emu, base);
    const job = newJob();
    const create = await runAlb(emu, await albInputs(), job);
    expect(create.code, describeRun(create)).toBe(0);
    // Another step of the job (code from a pull request) points the file at a group that is not the cycle's.
    const ec2 = new EC2Client({ endpoint: emu.endpoint, region: REGION, credentials });
    const foreign = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "production-web", Description: "not ours", VpcId: VPC }),
    );
    const dir = join(job.runnerTemp, "ecs-alb-smoke", "cycles");
    const [name] = readdirSync(dir);
    const path = join(dir, name as string);
    const record = JSON.parse(readFileSync(path, "utf8"));
    record.state.securityGroupId = foreign.GroupId;
    writeFileSync(path, JSON.stringify(record));
    const before = emu.emulator.requests.length;
    const r = await runAlb(emu, { mode: "destroy" }, job);
    expect(r.code, describeRun(r)).toBe(1);
    expect(errorText(r)).toContain(`names security group ${foreign.GroupId}, which is not tagged as that cycle`);
    expect(emu.emulator.requests.slice(before).filter((x) => DELETES.test(x.action))).toEqual([]);
    const post = await runAlbPost(emu, create, job);
    expect(post.code, describeRun(post)).toBe(0);
    expect(Object.values(leftovers(emu)).flat()).toEqual([
      expect.objectContaining({ type: "security-group", id: foreign.GroupId }),
    ]);
  });

  it("the post step still tears down when the cycle is marked destroyed but is not gone", async () => {
    await reload(emu, base);
    const job = newJob();
    const create = await runAlb(emu, await albInputs(), job);
    expect(create.code, describeRun(create)).toBe(0);
    const dir = join(job.runnerTemp, "ecs-alb-smoke", "cycles");
    const path = join(dir, readdirSync(dir)[0] as string);
    const record = JSON.parse(readFileSync(path, "utf8"));
    writeFileSync(path, JSON.stringify({ ...record, destroyed: { at: "2026-12-02T00:00:00.000Z", evidence: "x" } }));
    const post = await runAlbPost(emu, create, job);
    expect(post.code, describeRun(post)).toBe(0);
    expect(post.annotations.some((a) => a.level === "warning" && a.message.includes("marked destroyed"))).toBe(true);
    expect(leftovers(emu)).toEqual({});
  });
});
