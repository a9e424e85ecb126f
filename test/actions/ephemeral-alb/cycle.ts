/**
 * Shared by the ephemeral-alb, register-fargate-targets, fault-campaign tests
 * and the benchmark: an emulator with a VPC, two subnets, a task security
 * group and an ECS service whose tasks are real sample-app processes, and
 * helpers that run the committed bundles against it like the runner does.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { freePort } from "../../emulator/elbv2-helpers";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import type { Scenario } from "../../emulator/types";
import type { SampleApp } from "../../fixtures/sample-app";
import { runInProcess, runPostInProcess } from "../../harness/in-process";
import { type RunOptions, type RunResult, runBundle, runPostBundle, startBundle } from "../../harness/runner";

export const VPC = "vpc-0e5a1b2c3d4e5f601";
export const SUBNETS = ["subnet-0e5a1b2c3d4e5f601", "subnet-0e5a1b2c3d4e5f602"];
/** A third subnet (us-west-2c) of the VPC that the ALB does not use: tasks there are `Target.NotInUse`. */
export const SUBNET_C = "subnet-0e5a1b2c3d4e5f603";
export const TASK_SG = "sg-0e5a1b2c3d4e5f601";
export const CLUSTER = "papyrus";
export const SERVICE = "papyrus-task-service";
export const PRIMARY = "ecs-svc/2222222222222222222";
export const OLD = "ecs-svc/1111111111111111111";
export const REGION = "us-west-2";

export interface TaskSpec {
  ip: string;
  port?: number;
  lastStatus?: string;
  deploymentId?: string;
  count?: number;
  exitCode?: number;
  stoppedReason?: string;
  subnetId?: string;
}

export interface ScenarioOptions {
  tasks: TaskSpec[];
  /** Task security group rules admitting the ALB are added by ephemeral-alb; extra seeded ingress here. */
  taskSgIngress?: unknown[];
  deployments?: unknown[];
  enforce?: boolean;
  principals?: Record<string, string>;
  extra?: Record<string, unknown>;
  /** The containerPort of the task definitions' port mapping (default 5000). */
  containerPort?: number;
}

export function scenario(opts: ScenarioOptions): Scenario {
  return {
    ...(opts.enforce !== undefined ? { enforce: opts.enforce } : {}),
    ...(opts.principals ? { principals: opts.principals } : {}),
    ec2: {
      vpcs: [{ id: VPC, cidr: "10.0.0.0/16" }],
      subnets: [
        { id: SUBNETS[0], vpcId: VPC, cidr: "10.0.1.0/24", availabilityZone: "us-west-2a" },
        { id: SUBNETS[1], vpcId: VPC, cidr: "10.0.2.0/24", availabilityZone: "us-west-2b" },
        { id: SUBNET_C, vpcId: VPC, cidr: "10.0.3.0/24", availabilityZone: "us-west-2c" },
      ],
      securityGroups: [{ id: TASK_SG, name: "papyrus-task-sg", vpcId: VPC, ingress: opts.taskSgIngress ?? [] }],
    },
    ecs: {
      taskDefinitions: [
        {
          family: "papyrus-task",
          containerDefinitions: [
            { name: "web", image: "papyrus:1", portMappings: [{ containerPort: opts.containerPort ?? 5000 }] },
          ],
        },
        {
          family: "papyrus-task",
          containerDefinitions: [
            { name: "web", image: "papyrus:2", portMappings: [{ containerPort: opts.containerPort ?? 5000 }] },
          ],
        },
      ],
      clusters: [
        {
          name: CLUSTER,
          services: [
            {
              name: SERVICE,
              taskDefinition: "papyrus-task:2",
              subnets: SUBNETS,
              securityGroups: [TASK_SG],
              ...(opts.deployments ? { deployments: opts.deployments } : {}),
              tasks: opts.tasks,
            },
          ],
        },
      ],
    },
    ...opts.extra,
  };
}

/** timeScale 0.01: a 60 s ALB provisioning takes 0.6 s, health checks every 50 ms. */
export async function emulatorFor(s: Scenario, timeScale = 0.01): Promise<RunningEmulator> {
  return startEmulator({ timeScale, scenario: s });
}

export async function reload(emu: RunningEmulator, s: Scenario): Promise<void> {
  await emu.emulator.reset();
  await emu.emulator.loadScenario(s);
}

/** A loopback "checkip" service that answers with 127.0.0.1, for `ingress-cidrs: auto`. */
export async function startCheckip(
  answer = "127.0.0.1",
): Promise<{ url: string; hits: () => number; stop(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`${answer}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    hits: () => hits,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function taskSpecs(apps: SampleApp[], extra: Partial<TaskSpec> = {}): TaskSpec[] {
  return apps.map((a) => ({ ip: a.address, port: a.port, ...extra }));
}

let legCounter = 0;
/** A `leg` unique in this process, so concurrent cycles never share names. */
export function uniqueLeg(prefix = "t"): string {
  legCounter++;
  return `${prefix}-${process.pid}-${legCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface CycleOptions {
  emu: RunningEmulator;
  env?: Record<string, string>;
  albInputs?: Record<string, string | number | boolean>;
  registerInputs?: Record<string, string | number | boolean>;
  timeoutMs?: number;
}

export async function albInputs(extra: Record<string, string | number | boolean> = {}) {
  // Two free ports asked for one after the other can be the same one (the OS
  // hands back a port just closed): the listener port must differ from a given
  // https-port, or the action rightly refuses the pair. Bounded: 10 tries.
  let listenerPort = await freePort();
  for (let i = 0; i < 10 && String(listenerPort) === String(extra["https-port"]); i++) listenerPort = await freePort();
  return {
    "vpc-id": VPC,
    "subnet-ids": SUBNETS.join(","),
    "task-security-group-id": TASK_SG,
    "listener-port": listenerPort,
    "ingress-cidrs": "127.0.0.0/8",
    leg: uniqueLeg(),
    "timeout-seconds": 60,
    ...extra,
  };
}

export function registerInputs(targetGroupArn: string, extra: Record<string, string | number | boolean> = {}) {
  return { cluster: CLUSTER, service: SERVICE, "target-group-arn": targetGroupArn, "timeout-seconds": 60, ...extra };
}

export function awsEnv(emu: RunningEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return { AWS_ENDPOINT_URL: emu.endpoint, ...extra };
}

type RunStep = (name: string, opts?: RunOptions) => Promise<RunResult>;
type RunPostStep = (
  name: string,
  main: Pick<RunResult, "state" | "workspace">,
  opts?: RunOptions,
) => Promise<RunResult>;
type Inputs = Record<string, string | number | boolean>;
type Main = Pick<RunResult, "state" | "workspace">;

/** The steps of a cycle against `emu`, run by `run`/`runPost` (spawned bundles, or in process). */
function cycleSteps(run: RunStep, runPost: RunPostStep) {
  const withAws = (emu: RunningEmulator, opts: RunOptions): RunOptions => ({
    ...opts,
    env: { ...awsEnv(emu), ...opts.env },
  });
  return {
    runAlb: (emu: RunningEmulator, inputs: Inputs, opts: RunOptions = {}) =>
      run("ephemeral-alb", { ...withAws(emu, opts), inputs }),
    runAlbPost: (emu: RunningEmulator, main: Main, opts: RunOptions = {}) =>
      runPost("ephemeral-alb", main, withAws(emu, opts)),
    runRegister: (emu: RunningEmulator, inputs: Inputs, opts: RunOptions = {}) =>
      run("register-fargate-targets", { ...withAws(emu, opts), inputs }),
    runRegisterPost: (emu: RunningEmulator, main: Main, opts: RunOptions = {}) =>
      runPost("register-fargate-targets", main, withAws(emu, opts)),
  };
}

/** The committed bundles, spawned as the runner spawns them. */
export const { runAlb, runAlbPost, runRegister, runRegisterPost } = cycleSteps(runBundle, runPostBundle);

/**
 * The same steps in this process (test/harness/in-process.ts): same options, same results, no spawn and no
 * dist/ rebuild. For behaviour; kill and post-step protocol tests stay with the bundles.
 */
export const inProcess = cycleSteps(runInProcess, runPostInProcess);

export function startAlb(emu: RunningEmulator, inputs: Inputs, opts: RunOptions = {}) {
  return startBundle("ephemeral-alb", { ...opts, inputs, env: { ...awsEnv(emu), ...opts.env } });
}

export function startRegister(emu: RunningEmulator, inputs: Inputs, opts: RunOptions = {}) {
  return startBundle("register-fargate-targets", { ...opts, inputs, env: { ...awsEnv(emu), ...opts.env } });
}

/** Created resources still present, per service (ECS seeds are never counted). */
export function leftovers(emu: RunningEmulator): Record<string, unknown[]> {
  return emu.emulator.leftovers();
}

/** Resources carrying the suite's tags or rules referencing a group that no longer exists, for diagnostics. */
export function describeRun(r: RunResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ""}\nstdout:\n${r.stdout.slice(-4000)}\nstderr:\n${r.stderr.slice(-2000)}`;
}
