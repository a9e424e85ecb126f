/**
 * ephemeral-alb + register-fargate-targets versus the script they replace,
 * on the AWS emulator at real speed (timeScale 1: 60 s ALB provisioning, 10 s
 * target registration, health checks every 5 s), printed side by side:
 *
 * 1. lag from "all targets healthy" to step success vs `aws elbv2 wait target-in-service`
 * 2. time to failure with a broken /healthz vs the same waiter (capped)
 * 3. create → InService critical path vs the same resources created one after another with the AWS CLI
 * 4. AWS API calls per cycle (from the emulator's request log)
 *
 * 3 is measured twice for ours: the overlapped cycle (ephemeral-alb
 * `wait-until-active: false`, register-fargate-targets registering during
 * provisioning, as the reusable workflow and the root action run it) and the
 * cycle that waits for `active` first; each is also given as a ratio to the
 * physical limit, provisioning + healthy threshold × interval (60 + 2 × 5 s).
 *
 * `npm run bench:alb [-- --time-scale 0.1] [-- --only critical-path]`.
 * `--time-scale` (or ECS_ALB_SMOKE_BENCH_TIMESCALE; default 1) scales the
 * emulated delays, for a quick check on a busy machine; the CLI waiters' 15 s
 * polling does not scale, and the steps' process start-up does not either, so
 * only timeScale 1 gives figures to compare with AWS.
 */
import { ElasticLoadBalancingV2Client, RegisterTargetsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  albInputs,
  CLUSTER,
  emulatorFor,
  REGION,
  registerInputs,
  runAlb,
  runAlbPost,
  runRegister,
  runRegisterPost,
  SERVICE,
  SUBNETS,
  scenario,
  TASK_SG,
  taskSpecs,
  VPC,
} from "../test/actions/ephemeral-alb/cycle";
import { runAwsCli } from "../test/emulator/awscli";
import { freePort } from "../test/emulator/elbv2-helpers";
import type { RunningEmulator } from "../test/emulator/server";
import { type SampleApp, startTasks } from "../test/fixtures/sample-app";
import type { RunResult } from "../test/harness/runner";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
const TIME_SCALE = Number(arg("time-scale") ?? process.env.ECS_ALB_SMOKE_BENCH_TIMESCALE ?? 1);
if (!(TIME_SCALE > 0 && TIME_SCALE <= 1)) throw new Error(`--time-scale must be in (0, 1], got ${arg("time-scale")}`);
/** `critical-path`: only benchmark 3 (both of ours and the CLI script), for a quick check. */
const ONLY = arg("only");
/** The emulator's provisioning (60 s) plus ephemeral-alb's default healthy threshold × interval (2 × 5 s). */
const PHYSICAL_LIMIT_MS = (60 + 2 * 5) * 1000 * TIME_SCALE;
const CLI_CAP_MS = 60_000;
const credentials = { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" };

/** An AWS CLI command against the emulator, timed. */
async function cli(
  emu: RunningEmulator,
  args: string[],
  timeoutMs = 900_000,
): Promise<{ code: number; out: string; ms: number }> {
  const started = Date.now();
  const r = await runAwsCli(emu.endpoint, [...args, "--region", REGION], timeoutMs);
  return { code: r.code, out: r.stdout, ms: Date.now() - started };
}

/** The moment (ms since epoch) every target of the group is healthy, watched in-process every 10 ms. */
function watchAllHealthy(
  emu: RunningEmulator,
  targetGroupArn: string,
  count: number,
): { when: Promise<number>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const when = new Promise<number>((resolve) => {
    timer = setInterval(() => {
      const state = emu.emulator.state() as {
        elasticloadbalancing: { targetGroups: { TargetGroupArn: string; Targets: { State: string }[] }[] };
      };
      const tg = state.elasticloadbalancing.targetGroups.find((t) => t.TargetGroupArn === targetGroupArn);
      if (tg && tg.Targets.length === count && tg.Targets.every((t) => t.State === "healthy")) {
        clearInterval(timer);
        resolve(Date.now());
      }
    }, 10);
  });
  return { when, stop: () => clearInterval(timer) };
}

async function createAlb(emu: RunningEmulator, leg: string, waitUntilActive = true): Promise<RunResult> {
  const inputs = await albInputs({ leg, "timeout-seconds": 900, "wait-until-active": waitUntilActive });
  const alb = await runAlb(emu, inputs, { timeoutMs: 900_000 });
  if (alb.code !== 0) throw new Error(`ephemeral-alb failed: ${alb.stdout}`);
  return alb;
}

async function registerDirect(emu: RunningEmulator, tg: string, apps: SampleApp[]) {
  const elb = new ElasticLoadBalancingV2Client({ endpoint: emu.endpoint, region: REGION, credentials });
  await elb.send(
    new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: apps.map((a) => ({ Id: a.address, Port: 5000 })) }),
  );
}

const targetsArg = (apps: SampleApp[]) => apps.map((a) => `Id=${a.address},Port=5000`);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The waiter's lag depends on where the targets turn healthy within its 15 s
 * polling period. Real registrations take 10-60 s, so each trial starts the
 * waiter this much later after registering, to sample several phases.
 */
const LAG_OFFSETS_MS = [0, 4_000, 8_000, 12_000];

async function lagToSuccess(apps: SampleApp[]) {
  const emu = await emulatorFor(scenario({ tasks: taskSpecs(apps) }), TIME_SCALE);
  try {
    const trials = await Promise.all(
      LAG_OFFSETS_MS.map(async (offset, i) => {
        const [ours, theirs] = await Promise.all([
          createAlb(emu, `bench-lag-ours-${i}`),
          createAlb(emu, `bench-lag-cli-${i}`),
        ]);
        const oursTg = ours.outputs["target-group-arn"] as string;
        const cliTg = theirs.outputs["target-group-arn"] as string;
        const oursWatch = watchAllHealthy(emu, oursTg, apps.length);
        const cliWatch = watchAllHealthy(emu, cliTg, apps.length);
        const [oursDone, cliDone] = await Promise.all([
          runRegister(emu, registerInputs(oursTg, { "timeout-seconds": 900 }), { timeoutMs: 900_000 }).then((r) => {
            if (r.code !== 0) throw new Error(`register failed: ${r.stdout}`);
            return Date.now();
          }),
          registerDirect(emu, cliTg, apps).then(async () => {
            await new Promise((r) => setTimeout(r, offset));
            const args = [
              "elbv2",
              "wait",
              "target-in-service",
              "--target-group-arn",
              cliTg,
              "--targets",
              ...targetsArg(apps),
            ];
            const r = await cli(emu, args);
            if (r.code !== 0) throw new Error(`aws elbv2 wait failed (${r.code})`);
            return Date.now();
          }),
        ]);
        return { ours: oursDone - (await oursWatch.when), cli: cliDone - (await cliWatch.when) };
      }),
    );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return {
      ourLag: mean(trials.map((t) => t.ours)),
      cliLag: mean(trials.map((t) => t.cli)),
      ourMax: Math.max(...trials.map((t) => t.ours)),
      cliMax: Math.max(...trials.map((t) => t.cli)),
    };
  } finally {
    // No teardown here: the emulator goes away (the full cycle with teardown is measured in 3 and 4).
    await emu.stop();
  }
}

async function timeToFailure(broken: SampleApp) {
  const emu = await emulatorFor(scenario({ tasks: taskSpecs([broken]) }), TIME_SCALE);
  try {
    const [ours, theirs] = await Promise.all([createAlb(emu, "bench-fail-ours"), createAlb(emu, "bench-fail-cli")]);
    const oursTg = ours.outputs["target-group-arn"] as string;
    const cliTg = theirs.outputs["target-group-arn"] as string;
    const [oursMs, cliMs] = await Promise.all([
      (async () => {
        const t0 = Date.now();
        const r = await runRegister(emu, registerInputs(oursTg, { "timeout-seconds": 600 }), { timeoutMs: 900_000 });
        if (r.code !== 1 || !r.stdout.includes("Target.ResponseCodeMismatch"))
          throw new Error(`expected a fast failure: ${r.stdout}`);
        return Date.now() - t0;
      })(),
      (async () => {
        const t0 = Date.now();
        await registerDirect(emu, cliTg, [broken]);
        const r = await cli(
          emu,
          ["elbv2", "wait", "target-in-service", "--target-group-arn", cliTg, "--targets", ...targetsArg([broken])],
          CLI_CAP_MS,
        );
        return { ms: Date.now() - t0, capped: r.code !== 0 && Date.now() - t0 >= CLI_CAP_MS - 1_000 };
      })(),
    ]);
    return { oursMs, cliMs: cliMs.ms, capped: cliMs.capped };
  } finally {
    await emu.stop();
  }
}

/**
 * Ours: ephemeral-alb (parallel creates) then register-fargate-targets; returns ms and the request counts per
 * step. `overlap`: ephemeral-alb hands over while the load balancer provisions (`wait-until-active: false`).
 */
async function oursCriticalPath(apps: SampleApp[], overlap: boolean) {
  const emu = await emulatorFor(scenario({ tasks: taskSpecs(apps) }), TIME_SCALE);
  try {
    const t0 = Date.now();
    const alb = await createAlb(emu, overlap ? "bench-path-overlap" : "bench-path-ours", !overlap);
    const afterMain = emu.emulator.requests.length;
    const reg = await runRegister(
      emu,
      registerInputs(alb.outputs["target-group-arn"] as string, { "timeout-seconds": 900 }),
      {
        timeoutMs: 900_000,
      },
    );
    if (reg.code !== 0) throw new Error(`register failed: ${reg.stdout}`);
    const ms = Date.now() - t0;
    const afterRegister = emu.emulator.requests.length;
    await runRegisterPost(emu, reg);
    const afterRegisterPost = emu.emulator.requests.length;
    const post = await runAlbPost(emu, alb, { timeoutMs: 900_000 });
    if (post.code !== 0) throw new Error(`post failed: ${post.stdout}`);
    const total = emu.emulator.requests.length;
    const polls = emu.emulator.requests.filter((r) => /^Describe/.test(r.action)).length;
    return {
      ms,
      calls: {
        main: afterMain,
        register: afterRegister - afterMain,
        registerPost: afterRegisterPost - afterRegister,
        post: total - afterRegisterPost,
        total,
        describes: polls,
      },
    };
  } finally {
    await emu.stop();
  }
}

/** The old way: the same resources, one AWS CLI command after another, waiters in between. */
async function sequentialCriticalPath(apps: SampleApp[]) {
  const emu = await emulatorFor(scenario({ tasks: taskSpecs(apps) }), TIME_SCALE);
  try {
    const t0 = Date.now();
    const run = async (args: string[]) => {
      const r = await cli(emu, args);
      if (r.code !== 0) throw new Error(`aws ${args.join(" ")} failed`);
      // biome-ignore lint/suspicious/noExplicitAny: the AWS CLI's JSON output, read field by field below
      return r.out.trim() ? (JSON.parse(r.out) as Record<string, any>) : {};
    };
    const sg = await run([
      "ec2",
      "create-security-group",
      "--group-name",
      "seq-alb-sg",
      "--description",
      "x",
      "--vpc-id",
      VPC,
    ]);
    await run([
      "ec2",
      "authorize-security-group-ingress",
      "--group-id",
      sg.GroupId,
      "--protocol",
      "tcp",
      "--port",
      "80",
      "--cidr",
      "127.0.0.0/8",
    ]);
    await run([
      "ec2",
      "authorize-security-group-ingress",
      "--group-id",
      TASK_SG,
      "--protocol",
      "tcp",
      "--port",
      "5000",
      "--source-group",
      sg.GroupId,
    ]);
    const tg = await run([
      "elbv2",
      "create-target-group",
      "--name",
      "seq-tg",
      "--protocol",
      "HTTP",
      "--port",
      "5000",
      "--vpc-id",
      VPC,
      "--target-type",
      "ip",
      "--health-check-path",
      "/healthz",
      "--health-check-interval-seconds",
      "5",
      "--health-check-timeout-seconds",
      "4",
      "--healthy-threshold-count",
      "2",
      "--unhealthy-threshold-count",
      "2",
      "--matcher",
      "HttpCode=200-399",
    ]);
    const lb = await run([
      "elbv2",
      "create-load-balancer",
      "--name",
      "seq-alb",
      "--subnets",
      ...SUBNETS,
      "--security-groups",
      sg.GroupId,
    ]);
    const lbArn = lb.LoadBalancers[0].LoadBalancerArn;
    await run(["elbv2", "wait", "load-balancer-available", "--load-balancer-arns", lbArn]);
    const tgArn = tg.TargetGroups[0].TargetGroupArn;
    await run([
      "elbv2",
      "create-listener",
      "--load-balancer-arn",
      lbArn,
      "--protocol",
      "HTTP",
      "--port",
      String(await freePort()),
      "--default-actions",
      `Type=forward,TargetGroupArn=${tgArn}`,
    ]);
    const tasks = await run([
      "ecs",
      "list-tasks",
      "--cluster",
      CLUSTER,
      "--service-name",
      SERVICE,
      "--desired-status",
      "RUNNING",
    ]);
    await run(["ecs", "describe-tasks", "--cluster", CLUSTER, "--tasks", ...tasks.taskArns]);
    await run(["elbv2", "register-targets", "--target-group-arn", tgArn, "--targets", ...targetsArg(apps)]);
    await run(["elbv2", "wait", "target-in-service", "--target-group-arn", tgArn, "--targets", ...targetsArg(apps)]);
    return { ms: Date.now() - t0, calls: emu.emulator.requests.length };
  } finally {
    await emu.stop();
  }
}

const apps = await startTasks(2);
const [broken] = (await startTasks(1, { settings: { healthzStatus: 404 } })) as [SampleApp];
try {
  console.log(`ecs-alb-smoke ALB benchmarks on the emulator (timeScale ${TIME_SCALE}; 2 sample-app tasks)…`);
  const quick = ONLY === "critical-path";
  const [lag, failure, overlapped, ours, sequential] = await Promise.all([
    quick ? undefined : lagToSuccess(apps),
    quick ? undefined : timeToFailure(broken),
    oursCriticalPath(apps, true),
    oursCriticalPath(apps, false),
    sequentialCriticalPath(apps),
  ]);
  const limit = (ms: number) => `${(ms / PHYSICAL_LIMIT_MS).toFixed(2)}× the limit`;
  const rows: [string, string, string, string][] = [];
  if (lag)
    rows.push([
      `1. all targets healthy → step success (mean of ${LAG_OFFSETS_MS.length}, max)`,
      `${s(lag.ourLag)} (max ${s(lag.ourMax)})`,
      `${s(lag.cliLag)} (max ${s(lag.cliMax)})`,
      `${(lag.cliLag / Math.max(lag.ourLag, 1)).toFixed(1)}× sooner`,
    ]);
  if (failure)
    rows.push([
      "2. broken /healthz → step failure",
      s(failure.oursMs),
      `${failure.capped ? "≥ " : ""}${s(failure.cliMs)}${failure.capped ? " (capped; waiter limit 600 s)" : ""}`,
      `≥ ${(failure.cliMs / failure.oursMs).toFixed(1)}× sooner`,
    ]);
  rows.push(
    [
      "3. create → InService critical path, overlapped (wait-until-active: false)",
      s(overlapped.ms),
      s(sequential.ms),
      `${(sequential.ms / overlapped.ms).toFixed(2)}× faster`,
    ],
    [
      `3. … / (provisioning + healthy threshold × interval = ${s(PHYSICAL_LIMIT_MS)}), target ≤ 1.1`,
      limit(overlapped.ms),
      limit(sequential.ms),
      overlapped.ms <= 1.1 * PHYSICAL_LIMIT_MS ? "within 1.1×" : "above 1.1×",
    ],
    [
      "3. critical path, ours waiting for active first (wait-until-active: true)",
      `${s(ours.ms)} (${limit(ours.ms)})`,
      s(sequential.ms),
      `overlap saves ${s(ours.ms - overlapped.ms)}`,
    ],
    [
      "4. AWS API calls per cycle (overlapped)",
      `${overlapped.calls.total} (create ${overlapped.calls.main}, register ${overlapped.calls.register}, deregister ${overlapped.calls.registerPost}, destroy ${overlapped.calls.post})`,
      `${sequential.calls} (create + register only)`,
      `${overlapped.calls.describes} of ours are Describe* polls`,
    ],
  );
  console.log(
    `critical-path-ratio ${(overlapped.ms / PHYSICAL_LIMIT_MS).toFixed(3)} (overlapped ${s(overlapped.ms)} / limit ${s(PHYSICAL_LIMIT_MS)}; sequential CLI ${(sequential.ms / PHYSICAL_LIMIT_MS).toFixed(3)})`,
  );
  const header: [string, string, string, string] = ["benchmark", "ecs-alb-smoke", "AWS CLI script", "ratio"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  console.log([line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n"));
} finally {
  await Promise.all([...apps, broken].map((a) => a.stop()));
}
