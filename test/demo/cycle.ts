/**
 * The main job on the embedded default: PostgreSQL, the AWS emulator (IAM
 * enforcement on, the CI role holding only the documented policies), two
 * sample-app "Fargate tasks", then the alb-smoke reusable workflow's steps run
 * from the committed dist/ bundles, runner-style, post steps in reverse order;
 * then the preflight workflow on a pull request. Writes the masked evidence,
 * the job summaries and the PR-comment markdown to disk.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { startArtifactService } from "../fakes/artifact-service";
import { startGitHubFake } from "../fakes/github-api";
import { albCertificate } from "../fixtures/alb-certificate";
import { type PostgresServer, startPostgres } from "../fixtures/postgres";
import { type SampleApp, startTasks } from "../fixtures/sample-app";
import { shipTaskLogs } from "../fixtures/sample-app-awslogs";
import { bundleNode, bundlePath, ROOT } from "../harness/runner";
import { runWorkflowJob, type StepRecord } from "../harness/workflow-runner";
import {
  CI_ACCESS_KEY,
  CI_ROLE_ARN,
  CLUSTER,
  demoScenario,
  PREFLIGHT_ACCESS_KEY,
  PREFLIGHT_ROLE_ARN,
  REGION,
  SECRET_NAME,
  SERVICE,
  TASK_SG,
  taskDefinition,
} from "./scenario";

export interface DemoOptions {
  /** Make every task's /healthz answer 500: the failure path. */
  broken?: boolean;
  /**
   * The HTTPS variant: the ALB also gets an HTTPS listener with an ACM certificate issued by a throwaway CA,
   * and the probes go over HTTPS trusting that CA (`ca-certificate`).
   */
  https?: boolean;
  /** Where the masked evidence goes (default `<repo>/evidence`). */
  evidenceDir?: string;
  /** Where summaries, the PR comment and the emulator's request log go (default `<repo>/.demo`). */
  outDir?: string;
  log?: (line: string) => void;
  /** Extra inputs for both workflows (e.g. `mask-account-ids`). */
  inputs?: Record<string, string | number | boolean>;
  /**
   * Run the smoke cycle through the command line (`node dist/cli/index.js smoke`, its output shown as it
   * comes) instead of the alb-smoke workflow's job: the same steps and evidence, from a terminal.
   */
  cli?: boolean;
}

interface SmokeRun {
  failed: boolean;
  outputs: Record<string, string>;
  summary: string;
  steps: StepRecord[];
}

/**
 * `ecs-alb-smoke smoke` as a person runs it in a terminal: the workflow's inputs as flags (`role-to-assume`
 * is the `--role-arn` to preflight, `ca-certificate` a `--ca-file`), each line of its output logged as it comes.
 */
async function cliSmoke(
  workspace: string,
  env: Record<string, string>,
  inputs: Record<string, string | number | boolean>,
  log: (line: string) => void,
): Promise<SmokeRun> {
  const flags: string[] = [];
  for (const [name, value] of Object.entries(inputs)) {
    if (name === "role-to-assume") flags.push("--role-arn", String(value));
    else if (name === "ca-certificate") {
      writeFileSync(join(workspace, "alb-ca.pem"), String(value));
      flags.push("--ca-file", "alb-ca.pem");
    } else flags.push(`--${name}`, String(value));
  }
  const child = spawn(bundleNode(), [bundlePath("cli"), "smoke", ...flags], {
    cwd: workspace,
    // A terminal's environment: the AWS variables only, no runner's.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([k]) => k.startsWith("AWS_"))),
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  const lines = (stream: NodeJS.ReadableStream, keep: boolean) => {
    let pending = "";
    stream.setEncoding("utf8");
    stream.on("data", (d: string) => {
      if (keep) stdout += d;
      pending += d;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const l of parts) log(`  | ${l}`);
    });
  };
  lines(child.stdout, true);
  lines(child.stderr, false);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { failed: code !== 0, outputs: { result: code === 0 ? "pass" : "fail" }, summary: stdout, steps: [] };
}

export interface DemoResult {
  passed: boolean;
  smokeFailed: boolean;
  leftovers: Record<string, unknown[]>;
  evidenceFiles: string[];
  outputs: Record<string, string>;
  steps: StepRecord[];
  apiCalls: number;
  artifactFiles: string[];
  seconds: number;
}

/** The account's default VPC and its subnets, looked up as a user would. */
async function defaultVpc(endpoint: string): Promise<{ vpcId: string; subnetIds: string[] }> {
  const ec2 = new EC2Client({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "demo-admin-key" },
  });
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }));
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  if (!vpcId) throw new Error("the emulator has no default VPC");
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }));
  return { vpcId, subnetIds: (subnets.Subnets ?? []).map((s) => s.SubnetId as string) };
}

function stepLine(r: StepRecord): string {
  const mark = r.status === "success" ? "ok  " : r.status === "failure" ? "FAIL" : "skip";
  const phase = r.phase === "post" ? "post " : "";
  const firstError = r.result?.annotations.find((a) => a.level === "error")?.message.split("\n")[0];
  return `  ${mark} ${phase}${r.label}${r.note ? ` (${r.note})` : ""}${firstError ? `\n         ${firstError}` : ""}`;
}

async function tasksOnDemoAddresses(db: PostgresServer, log: (l: string) => void): Promise<SampleApp[]> {
  try {
    return await startTasks(2, { addresses: ["127.0.0.2", "127.0.0.3"], db });
  } catch {
    log("  127.0.0.2:5000 / 127.0.0.3:5000 are taken on this machine: using two other loopback addresses.");
    return startTasks(2, { db });
  }
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  const log = opts.log ?? ((line: string) => console.log(line));
  const evidenceDir = opts.evidenceDir ?? join(ROOT, "evidence");
  const outDir = opts.outDir ?? join(ROOT, ".demo");
  rmSync(evidenceDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(evidenceDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });

  const cleanups: Array<() => Promise<void>> = [];
  try {
    log("Starting PostgreSQL (TLS), two sample-app tasks, the AWS emulator (IAM enforcement on) ...");
    const db = await startPostgres();
    cleanups.push(() => db.stop());
    const tasks = await tasksOnDemoAddresses(db, log);
    cleanups.push(async () => {
      await Promise.all(tasks.map((t) => t.stop()));
    });
    if (opts.broken) {
      // The incident: the health-check path is not served properly.
      await Promise.all(tasks.map((t) => t.control({ healthzStatus: 500 })));
    }
    const cert = opts.https
      ? albCertificate(mkdtempSync(join(tmpdir(), "eas-demo-ca-")), { region: REGION })
      : undefined;
    const emu: RunningEmulator = await startEmulator({
      region: REGION,
      timeScale: 0.02,
      scenario: {
        ...demoScenario({ db, tasks: tasks.map((t) => ({ address: t.address, port: t.port })) }),
        ...(cert ? { acm: cert.scenario } : {}),
      },
    });
    cleanups.push(() => emu.stop());
    // ECS's awslogs driver: each task's stdout (one JSON line per request) goes to /ecs/papyrus, a second late.
    const drivers = await shipTaskLogs(emu, CLUSTER, tasks, { deliveryDelayMs: 1000 });
    cleanups.push(async () => {
      await Promise.all(drivers.map((d) => d.stop(false)));
    });
    const artifacts = await startArtifactService();
    cleanups.push(() => artifacts.stop());
    const github = await startGitHubFake();
    cleanups.push(() => github.stop());
    log(`  tasks: ${tasks.map((t) => `${t.address}:${t.port}`).join(", ")}   emulator: ${emu.endpoint}`);

    const vpc = await defaultVpc(emu.endpoint);
    const env = {
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_ACCESS_KEY_ID: CI_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: "demo-secret-key",
      AWS_REGION: REGION,
      GITHUB_API_URL: github.url,
      ...artifacts.env,
    };
    const workspace = mkdtempSync(join(tmpdir(), "eas-demo-"));
    cleanups.push(async () => rmSync(workspace, { recursive: true, force: true }));

    const https = cert
      ? {
          "certificate-arn": cert.arn,
          // Port 443 needs root, as 80 does.
          "https-port": 18443,
          "ca-certificate": readFileSync(cert.caPath, "utf8"),
        }
      : {};
    log(
      `\n${opts.cli ? "ecs-alb-smoke smoke (the command line)" : "alb-smoke.yml, job smoke"} (${opts.broken ? "broken /healthz" : "healthy service"}${cert ? `, HTTPS as ${cert.host} with a test CA's certificate` : ""}):`,
    );
    const smokeInputs = {
      "aws-region": REGION,
      "role-to-assume": CI_ROLE_ARN,
      cluster: CLUSTER,
      service: SERVICE,
      "vpc-id": vpc.vpcId,
      "subnet-ids": vpc.subnetIds.join(","),
      "task-security-group-id": TASK_SG,
      // Port 80 needs root; the emulated ALB listens on its own loopback address.
      "listener-port": 18080,
      // No internet here to look up the runner's egress IP.
      "ingress-cidrs": "127.0.0.0/8",
      "secret-ids": SECRET_NAME,
      "timeout-seconds": 60,
      ...https,
    };
    const smoke: SmokeRun = opts.cli
      ? // The command line sets mask-account-ids itself (its report goes to the terminal of whoever runs it).
        await cliSmoke(workspace, env, smokeInputs, log)
      : await runWorkflowJob({
          workflow: ".github/workflows/alb-smoke.yml",
          job: "smoke",
          workspace,
          env,
          inputs: { ...smokeInputs, ...opts.inputs },
          external: { "aws-actions/configure-aws-credentials": async () => ({}) },
          onStep: (r) => log(stepLine(r)),
        });

    // The evidence as it would be downloaded from the artifact: masked and verified.
    const produced = join(workspace, "evidence");
    if (existsSync(produced)) cpSync(produced, evidenceDir, { recursive: true });
    writeFileSync(join(outDir, "smoke-job-summary.md"), smoke.summary);

    log("\npreflight.yml, job preflight (pull request #42):");
    mkdirSync(join(workspace, "ecs/task-definitions"), { recursive: true });
    writeFileSync(
      join(workspace, "ecs/task-definitions/papyrus-task.json"),
      `${JSON.stringify(taskDefinition(db), null, 2)}\n`,
    );
    const preflight = await runWorkflowJob({
      workflow: ".github/workflows/preflight.yml",
      job: "preflight",
      workspace,
      env: { ...env, AWS_ACCESS_KEY_ID: PREFLIGHT_ACCESS_KEY },
      event: { pull_request: { number: 42 }, repository: { full_name: "octo-org/papyrus" } },
      eventName: "pull_request",
      inputs: {
        "aws-region": REGION,
        "role-to-assume": PREFLIGHT_ROLE_ARN,
        "task-definition": "ecs/task-definitions/papyrus-task.json",
        "db-secret-id": SECRET_NAME,
        ...opts.inputs,
      },
      external: {
        "aws-actions/configure-aws-credentials": async () => ({}),
        "actions/checkout": async () => ({}),
      },
      onStep: (r) => log(stepLine(r)),
    });
    writeFileSync(join(outDir, "preflight-job-summary.md"), preflight.summary);
    const comments = github.commentsOn(42);
    writeFileSync(join(outDir, "pr-comment.md"), comments.map((c) => c.body).join("\n\n---\n\n"));

    const leftovers = emu.emulator.leftovers();
    // The suite's own calls: not the tasks' log driver shipping their stdout.
    const apiCalls = emu.emulator.requests.filter(
      (r) => !(r.service === "logs" && (r.action === "PutLogEvents" || r.action === "CreateLogStream")),
    ).length;
    writeFileSync(join(outDir, "emulator-requests.json"), `${JSON.stringify(emu.emulator.requests, null, 2)}\n`);
    writeFileSync(join(outDir, "emulator-leftovers.json"), `${JSON.stringify(leftovers, null, 2)}\n`);
    const evidenceFiles = readdirSync(evidenceDir).sort();
    const artifactFiles = artifacts.uploads().flatMap((u) => u.files.map((f) => `${u.name}/${f.name}`));
    const nothingLeft = Object.keys(leftovers).length === 0;
    const passed = !smoke.failed && !preflight.failed && nothingLeft;

    log("\nResult:");
    log(
      `  smoke: ${smoke.failed ? "FAILED" : "passed"} (probe ${smoke.outputs.result || "not run"})   preflight: ${preflight.failed ? "FAILED" : "passed"}`,
    );
    log(`  AWS resources left in the emulator: ${nothingLeft ? "none" : JSON.stringify(leftovers)}`);
    log(`  AWS API calls: ${apiCalls}`);
    log(`  evidence (masked): ${relative(process.cwd(), evidenceDir) || "."}/ — ${evidenceFiles.length} files`);
    for (const f of evidenceFiles) log(`    ${f}`);
    log(`  uploaded artifact: ${artifactFiles.length} files`);
    log(
      `  job summaries: ${relative(process.cwd(), join(outDir, "smoke-job-summary.md"))}, ${relative(process.cwd(), join(outDir, "preflight-job-summary.md"))}`,
    );
    log(`  PR comment: ${relative(process.cwd(), join(outDir, "pr-comment.md"))}`);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    log(`  ${passed ? "PASS" : "FAIL"} in ${seconds}s`);
    return {
      passed,
      smokeFailed: smoke.failed,
      leftovers,
      evidenceFiles,
      outputs: smoke.outputs,
      steps: [...smoke.steps, ...preflight.steps],
      apiCalls,
      artifactFiles,
      seconds,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
