/**
 * `ecs-alb-smoke smoke` end to end, through the bundled CLI as a separate
 * process: the embedded default (two sample-app tasks, a real PostgreSQL, the
 * emulator with IAM enforcement on and the CI role holding only the documented
 * policies). The whole cycle passes with the workflow's evidence kinds (the
 * destroy proof included); SIGINT
 * at seeded moments leaves nothing in the emulator; a second SIGINT names the
 * sweep command, and that command removes what was left.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ACCOUNT,
  CI_ACCESS_KEY,
  CI_ROLE_ARN,
  CLUSTER,
  demoScenario,
  REGION,
  SECRET_NAME,
  SERVICE,
  TASK_SG,
} from "../demo/scenario";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { startArtifactService } from "../fakes/artifact-service";
import { type PostgresServer, startPostgres } from "../fixtures/postgres";
import { type SampleApp, startTasks } from "../fixtures/sample-app";
import { shipTaskLogs } from "../fixtures/sample-app-awslogs";
import { runWorkflowJob } from "../harness/workflow-runner";
import { type CliOptions, type CliResult, errorDocument, jsonDocument, runCli } from "./cli";

let db: PostgresServer;
let tasks: SampleApp[];
let emu: RunningEmulator;
let stopDrivers: () => Promise<void>;
let network: { vpcId: string; subnetIds: string[] };

beforeAll(async () => {
  db = await startPostgres();
  tasks = await startTasks(2, { db });
}, 60_000);
afterAll(async () => {
  await Promise.all((tasks ?? []).map((t) => t.stop()));
  await db?.stop();
});

beforeEach(async () => {
  emu = await startEmulator({
    region: REGION,
    timeScale: 0.02,
    scenario: demoScenario({ db, tasks: tasks.map((t) => ({ address: t.address, port: t.port })) }),
  });
  const drivers = await shipTaskLogs(emu, CLUSTER, tasks, { deliveryDelayMs: 500 });
  stopDrivers = async () => {
    await Promise.all(drivers.map((d) => d.stop(false)));
  };
  const ec2 = new EC2Client({
    endpoint: emu.endpoint,
    region: REGION,
    credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "admin" },
  });
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }));
  const vpcId = vpcs.Vpcs?.[0]?.VpcId as string;
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }));
  network = { vpcId, subnetIds: (subnets.Subnets ?? []).map((s) => s.SubnetId as string) };
});
afterEach(async () => {
  await stopDrivers();
  await emu.stop();
});

/** The CI role's credentials, as a person who assumed it in CloudShell has them. */
const ciEnv = () => ({
  AWS_ENDPOINT_URL: emu.endpoint,
  AWS_ACCESS_KEY_ID: CI_ACCESS_KEY,
  AWS_SECRET_ACCESS_KEY: "demo-secret-key",
  ECS_ALB_SMOKE_CLI_TICK_MS: "1000",
});

function smokeFlags(): string[] {
  return [
    "smoke",
    ...["--cluster", CLUSTER, "--service", SERVICE],
    ...["--vpc-id", network.vpcId, "--subnet-ids", network.subnetIds.join(",")],
    ...["--task-security-group-id", TASK_SG, "--secret-ids", SECRET_NAME, "--role-arn", CI_ROLE_ARN],
    // Port 80 needs root; no internet for `auto`.
    ...["--listener-port", "18080", "--ingress-cidrs", "127.0.0.0/8"],
  ];
}

function smoke(extra: string[] = [], opts: CliOptions = {}): Promise<CliResult> {
  const timeout = extra.includes("--timeout-seconds") ? [] : ["--timeout-seconds", "60"];
  return runCli([...smokeFlags(), ...timeout, ...extra], { timeoutMs: 150_000, env: ciEnv(), ...opts });
}

const kinds = (files: string[]) => files.map((f) => f.replace(/^\d{8}_\d{6}_/, "")).sort();
const evidenceOf = (cwd: string, dir = "evidence") =>
  existsSync(join(cwd, dir)) ? readdirSync(join(cwd, dir)).sort() : [];

describe("ecs-alb-smoke smoke", () => {
  it("runs the whole cycle, exits 0 and leaves the workflow's evidence kinds, masked, and nothing in AWS", async () => {
    const r = await smoke();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(emu.emulator.leftovers()).toEqual({});
    // Progress lines with the elapsed time, per phase.
    for (const phase of [
      "Preflight of",
      "Creating the temporary ALB",
      "Registering the RUNNING tasks",
      "Probing",
      "Destroying",
      "Masking",
    ]) {
      expect(r.stderr).toMatch(new RegExp(`^\\[ *\\d+\\.\\ds\\] ${phase}`, "m"));
    }
    expect(r.stdout).toContain("smoke: PASS");
    expect(r.stdout).toMatch(/^healthz +http:\/\/127\.[\d.]+:18080\/healthz +200 /m);

    const files = evidenceOf(r.cwd);
    for (const f of files) expect(f).toMatch(/^\d{8}_\d{6}_[a-z_]+\.(json|log)$/);
    const all = files.map((f) => readFileSync(join(r.cwd, "evidence", f), "utf8")).join("\n");
    expect(all).not.toContain(ACCOUNT);
    expect(all).not.toContain(db.password);
    expect(`${r.stdout}${r.stderr}`).not.toContain(db.password);
    // The destroy proof of ephemeral-alb's `mode: destroy`: every resource of the cycle deleted and shown gone.
    const proofFile = files.find((f) => f.endsWith("_alb_destroy.json")) as string;
    const proof = JSON.parse(readFileSync(join(r.cwd, "evidence", proofFile), "utf8")) as {
      mode: string;
      cycles: { status: string; resources: { resource: string; gone: boolean }[] }[];
    };
    expect(proof.mode).toBe("destroy");
    expect(proof.cycles.map((c) => c.status)).toEqual(["destroyed"]);
    expect(proof.cycles[0]?.resources.map((x) => [x.resource, x.gone]).sort()).toEqual([
      ["listener", true],
      ["load balancer", true],
      ["security group", true],
      ["target group", true],
      ["task ingress rule", true],
    ]);

    // The same cycle as the alb-smoke workflow runs it (emulator emptied by the CLI's teardown).
    const artifacts = await startArtifactService();
    try {
      const job = await runWorkflowJob({
        workflow: ".github/workflows/alb-smoke.yml",
        job: "smoke",
        env: {
          AWS_ENDPOINT_URL: emu.endpoint,
          AWS_ACCESS_KEY_ID: CI_ACCESS_KEY,
          AWS_SECRET_ACCESS_KEY: "demo-secret-key",
          AWS_REGION: REGION,
          ...artifacts.env,
        },
        inputs: {
          "aws-region": REGION,
          "role-to-assume": CI_ROLE_ARN,
          cluster: CLUSTER,
          service: SERVICE,
          "vpc-id": network.vpcId,
          "subnet-ids": network.subnetIds.join(","),
          "task-security-group-id": TASK_SG,
          "listener-port": 18080,
          "ingress-cidrs": "127.0.0.0/8",
          "secret-ids": SECRET_NAME,
          "timeout-seconds": 60,
        },
        external: { "aws-actions/configure-aws-credentials": async () => ({}) },
      });
      expect(job.failed).toBe(false);
      const workflowKinds = kinds(evidenceOf(job.workspace));
      expect(workflowKinds).toContain("alb_destroy.json");
      expect(workflowKinds).toContain("mask_report.json");
      expect(kinds(files)).toEqual(workflowKinds);
    } finally {
      await artifacts.stop();
    }
    expect(emu.emulator.leftovers()).toEqual({});
  }, 180_000);

  it("--json prints one document with each step's outputs, the run ID and the evidence; --evidence-dir moves it", async () => {
    const r = await smoke(["--json", "--evidence-dir", "out/ev"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = jsonDocument<{
      command: string;
      result: string;
      outputs: {
        result: string;
        "run-id": string;
        phases: { name: string; outcome: string }[];
        evidence: string[];
        probe: { result: string; report: { probes: { name: string; result: string }[] } };
        alb: { "target-group-arn": string };
      };
    }>(r);
    expect(doc.command).toBe("smoke");
    expect(doc.result).toBe("pass");
    expect(doc.outputs.result).toBe("pass");
    expect(doc.outputs["run-id"]).toMatch(/^cli-\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(doc.outputs.phases.map((p) => [p.name, p.outcome])).toEqual([
      ["preflight", "success"],
      ["alb", "success"],
      ["targets", "success"],
      ["probe", "success"],
      ["destroy", "success"],
      ["mask", "success"],
    ]);
    const probeSummary = doc.outputs.evidence.find((f) => f.endsWith("_probe_summary.json")) as string;
    const onDisk = JSON.parse(readFileSync(join(r.cwd, "out/ev", probeSummary), "utf8")) as {
      probes: { name: string; result: string }[];
    };
    expect(doc.outputs.probe.report.probes.map((p) => [p.name, p.result])).toEqual(
      onDisk.probes.map((p) => [p.name, p.result]),
    );
    expect(doc.outputs.evidence).toEqual(evidenceOf(r.cwd, "out/ev"));
    expect(existsSync(join(r.cwd, "evidence"))).toBe(false);
    expect(emu.emulator.leftovers()).toEqual({});
  }, 150_000);

  it("a service that never becomes healthy: exit 1, destroyed anyway, the evidence of what the ALB answered", async () => {
    await Promise.all(tasks.map((t) => t.control({ healthzStatus: 500 })));
    try {
      const r = await smoke(["--timeout-seconds", "20"]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toContain("smoke: FAIL");
      expect(r.stderr).toMatch(/Registering the RUNNING tasks and waiting until healthy: FAILED/);
      // While it waits, a line per tick with the targets' states and the elapsed time.
      expect(r.stderr).toMatch(
        /^\[ *\d+\.\ds\] Registering the RUNNING tasks and waiting until healthy: 2 target\(s\): \d+ \w+(, \d+ \w+)* … \d+ s$/m,
      );
      expect(r.stderr).toMatch(/Destroy: done/);
      expect(emu.emulator.leftovers()).toEqual({});
      const files = kinds(evidenceOf(r.cwd));
      for (const kind of ["tg_health.json", "healthz.log", "mask_report.json"]) expect(files).toContain(kind);
    } finally {
      await Promise.all(tasks.map((t) => t.control({ healthzStatus: 200 })));
    }
  }, 150_000);

  it("a bad flag value exits 2 and creates nothing", async () => {
    const r = await smoke(["--container-port", "70000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Input 'container-port': must be at most 65535, got 70000.");
    // (The tasks' log driver creates log streams of its own.)
    expect(emu.emulator.requests.filter((q) => q.service !== "logs" && /^Create/.test(q.action))).toEqual([]);
  });
});

/** mulberry32: the seeded extra delays after each moment, so a failing moment can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = 13;
const random = seeded(SEED);
/** A progress line that marks the moment, and a seeded delay after it. */
const MOMENTS = (
  [
    ["Creating eas-", "SIGINT"],
    // The overlapped cycle: the ALB is still provisioning while the targets are registered.
    ["Registered while load balancer", "SIGINT"],
    ["Registered ", "SIGINT"],
    ["Registering the RUNNING tasks", "SIGTERM"],
    ["healthz: GET ", "SIGINT"],
  ] as const
).map(([marker, signal]) => ({ marker, signal, delayMs: Math.floor(random() * 400) }));

/** SIGINT once the ALB is being created, and again once the teardown has begun. */
function twoSigints(): CliOptions {
  let sent = 0;
  return {
    onStderr: (all, child) => {
      if (sent === 0 && all.includes("Creating eas-")) {
        sent = 1;
        child.kill("SIGINT");
      } else if (sent === 1 && all.includes("SIGINT: stopping")) {
        sent = 2;
        child.kill("SIGINT");
      }
    },
  };
}

describe("ecs-alb-smoke smoke interrupted", () => {
  it.each(MOMENTS)(
    `$signal after $marker (+$delayMs ms, seed ${SEED}) tears down: exit 130/143, nothing left, evidence masked`,
    async ({ marker, signal, delayMs }) => {
      let sent = false;
      const r = await smoke([], {
        onStderr: (all, child) => {
          if (sent || !all.includes(marker)) return;
          sent = true;
          setTimeout(() => child.kill(signal), delayMs);
        },
      });
      expect(sent, r.stderr).toBe(true);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(signal === "SIGINT" ? 130 : 143);
      expect(r.stderr).toContain(`${signal}: stopping and tearing down`);
      expect(emu.emulator.leftovers()).toEqual({});
      const files = evidenceOf(r.cwd);
      expect(kinds(files)).toContain("mask_report.json");
      // The destroy ran as the workflow's `mode: destroy`: its proof is in the evidence.
      expect(kinds(files)).toContain("alb_destroy.json");
      const all = files.map((f) => readFileSync(join(r.cwd, "evidence", f), "utf8")).join("\n");
      expect(all).not.toContain(ACCOUNT);
    },
    150_000,
  );

  it("a second SIGINT stops at once, says what may be left and the sweep command, which removes it", async () => {
    const r = await smoke([], twoSigints());
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain("SIGINT again: stopping now");
    const command = /^ {2}(ecs-alb-smoke sweep --run-id cli-\S+ --region us-west-2)$/m.exec(r.stderr)?.[1];
    expect(command, r.stderr).toBeDefined();
    expect(r.stderr).toMatch(/^Possibly left in us-west-2:\n( {2}.*\n)* {2}security group sg-[0-9a-f]+\n/m);

    // What the killed teardown left (at least the security group it had not reached) is found by its run-id tag.
    expect(emu.emulator.leftovers().ec2, JSON.stringify(emu.emulator.leftovers())).toBeDefined();
    const sweep = await runCli((command as string).split(" ").slice(1), { env: ciEnv(), timeoutMs: 120_000 });
    expect(sweep.code, `${sweep.stdout}\n${sweep.stderr}`).toBe(0);
    expect(emu.emulator.leftovers()).toEqual({});
  }, 250_000);

  it("--json: one SIGINT leaves the fail document; a second one the error document with the sweep command", async () => {
    let once = false;
    const first = await smoke(["--json"], {
      onStderr: (all, child) => {
        if (once || !all.includes("Creating eas-")) return;
        once = true;
        child.kill("SIGINT");
      },
    });
    expect(first.code, first.stderr).toBe(130);
    const result = jsonDocument<{ result: string; failure: string; outputs: { "run-id": string } }>(first);
    expect(result).toMatchObject({ command: "smoke", result: "fail" });
    expect(result.failure).toContain("Interrupted by SIGINT");
    expect(emu.emulator.leftovers()).toEqual({});

    const r = await smoke(["--json"], twoSigints());
    expect(r.code, r.stderr).toBe(130);
    const doc = errorDocument(r);
    expect(doc).toMatchObject({ command: "smoke", action: "ecs-alb-smoke" });
    const command = /^ {2}(ecs-alb-smoke sweep --run-id cli-\S+ --region us-west-2)$/m.exec(r.stderr)?.[1];
    expect(command, r.stderr).toBeDefined();
    expect(doc.error).toContain("SIGINT again: stopping now, the teardown did not finish.");
    expect(doc.error).toContain(`Remove it with: ${command}`);
    expect(doc.error).toMatch(/Possibly left in us-west-2: .*security group sg-[0-9a-f]+/);
    const sweep = await runCli((command as string).split(" ").slice(1), { env: ciEnv(), timeoutMs: 120_000 });
    expect(sweep.code, `${sweep.stdout}\n${sweep.stderr}`).toBe(0);
    expect(emu.emulator.leftovers()).toEqual({});
  }, 300_000);
});
