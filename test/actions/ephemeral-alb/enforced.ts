/**
 * Enforcement mode, shared by test/actions/ephemeral-alb/enforcement.test.ts
 * (the documented policies are enough) and test/faults/permission-removal.test.ts
 * (each single action removed is named): the ephemeral-alb and
 * register-fargate-targets steps run as roles holding the given policies.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll } from "vitest";
import { freePort } from "../../emulator/elbv2-helpers";
import type { RunningEmulator } from "../../emulator/server";
import { albCertificate } from "../../fixtures/alb-certificate";
import { type SampleApp, startTasks } from "../../fixtures/sample-app";
import { errors, ROOT, type RunResult } from "../../harness/runner";
import {
  albInputs,
  CLUSTER,
  describeRun,
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
} from "./cycle";

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}
export interface Policy {
  Version: string;
  Statement: Statement[];
}

export const POLICIES = {
  alb: JSON.parse(readFileSync(join(ROOT, "src/actions/ephemeral-alb/iam-policy.json"), "utf8")) as Policy,
  register: JSON.parse(
    readFileSync(join(ROOT, "src/actions/register-fargate-targets/iam-policy.json"), "utf8"),
  ) as Policy,
};
const ALB_KEY = "AKIACIALBSMOKE000001";
const REGISTER_KEY = "AKIACIREGISTER000001";
const ALB_ROLE = "arn:aws:iam::123456789012:role/alb-smoke-ephemeral-alb";
const REGISTER_ROLE = "arn:aws:iam::123456789012:role/alb-smoke-register";
const credentials = { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" };

export function actionsOf(policy: Policy): string[] {
  return [...new Set(policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))];
}

export function without(policy: Policy, action: string): Policy {
  const Statement = policy.Statement.flatMap((s) => {
    const actions = (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a) => a !== action);
    return actions.length === 0 ? [] : [{ ...s, Action: actions }];
  });
  return { ...policy, Statement };
}

const trust = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
      Action: "sts:AssumeRoleWithWebIdentity",
    },
  ],
};

/** The HTTPS listener's certificate: the cycle runs with `certificate-arn`, so its checks are enforced too. */
const CERT = albCertificate(mkdtempSync(join(tmpdir(), "eas-enforce-")));

export function enforcedScenario(apps: SampleApp[], albPolicy: Policy, registerPolicy: Policy) {
  return scenario({
    tasks: taskSpecs(apps),
    enforce: true,
    principals: { [ALB_KEY]: ALB_ROLE, [REGISTER_KEY]: REGISTER_ROLE },
    extra: {
      acm: CERT.scenario,
      iam: {
        roles: [
          { name: "alb-smoke-ephemeral-alb", trustPolicy: trust, inlinePolicies: { "ephemeral-alb": albPolicy } },
          {
            name: "alb-smoke-register",
            trustPolicy: trust,
            inlinePolicies: { "register-fargate-targets": registerPolicy },
          },
        ],
      },
    },
  });
}

const asAlbRole = { env: { AWS_ACCESS_KEY_ID: ALB_KEY } };
const asRegisterRole = { env: { AWS_ACCESS_KEY_ID: REGISTER_KEY } };

/** What a step is expected to do; `failing` steps must fail for the named reason, never for a denial. */
interface Step {
  name: string;
  run: () => Promise<RunResult>;
  expect?: RegExp;
}

export interface Outcome {
  completed: string[];
  deviation?: { step: string; message: string };
}

/** Runs steps until one deviates: a step meant to pass fails, or any step reports a denied permission. */
export async function runSteps(steps: Step[]): Promise<Outcome> {
  const completed: string[] = [];
  for (const step of steps) {
    const r = await step.run();
    const message = [...errors(r), ...r.annotations.filter((a) => a.level === "warning").map((a) => a.message)].join(
      "\n",
    );
    const denied = /was denied|not authorized/.test(message);
    const ok = step.expect ? r.code === 1 && step.expect.test(message) && !denied : r.code === 0 && !denied;
    if (!ok) return { completed, deviation: { step: step.name, message: message || describeRun(r) } };
    completed.push(step.name);
  }
  return { completed };
}

/** The ephemeral-alb side: create, (targets registered by an unrestricted caller), sweep keeping it, destroy. */
export function albSteps(emu: RunningEmulator, apps: SampleApp[]): Step[] {
  let main: RunResult | undefined;
  return [
    {
      name: "ephemeral-alb main",
      // cluster/service: the container port comes from the service's task definition (ecs:Describe*).
      run: async () =>
        (main = await runAlb(
          emu,
          await albInputs({
            "certificate-arn": CERT.arn,
            "https-port": await freePort(),
            cluster: CLUSTER,
            service: SERVICE,
          }),
          asAlbRole,
        )),
    },
    {
      name: "sweep (keeps the fresh cycle)",
      run: async () => {
        // Targets left registered, as when register-fargate-targets' post never ran: the ALB post deregisters them.
        const elb = new ElasticLoadBalancingV2Client({ endpoint: emu.endpoint, region: REGION, credentials });
        await elb.send(
          new RegisterTargetsCommand({
            TargetGroupArn: main?.outputs["target-group-arn"],
            Targets: apps.map((a) => ({ Id: a.address, Port: 5000 })),
          }),
        );
        return runAlb(emu, { mode: "sweep", "older-than-minutes": 0 }, asAlbRole);
      },
    },
    { name: "ephemeral-alb post", run: () => runAlbPost(emu, main as RunResult, asAlbRole) },
  ];
}

/** An ALB made by an unrestricted caller, so register-fargate-targets' policy is tested on its own. */
export async function plainAlb(emu: RunningEmulator): Promise<string> {
  const elb = new ElasticLoadBalancingV2Client({ endpoint: emu.endpoint, region: REGION, credentials });
  const ec2 = new EC2Client({ endpoint: emu.endpoint, region: REGION, credentials });
  const tags = [{ Key: "ecs-alb-smoke:run-id", Value: "1" }];
  const sg = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: "plain-alb-sg", Description: "x", VpcId: VPC }),
  );
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: TASK_SG,
      IpPermissions: [{ IpProtocol: "tcp", FromPort: 5000, ToPort: 5000, UserIdGroupPairs: [{ GroupId: sg.GroupId }] }],
    }),
  );
  const tg = await elb.send(
    new CreateTargetGroupCommand({
      Name: "plain-tg",
      Protocol: "HTTP",
      Port: 5000,
      VpcId: VPC,
      TargetType: "ip",
      HealthCheckPath: "/healthz",
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      Tags: tags,
    }),
  );
  const lb = await elb.send(
    new CreateLoadBalancerCommand({
      Name: "plain-alb",
      Subnets: SUBNETS,
      SecurityGroups: [sg.GroupId as string],
      Tags: tags,
    }),
  );
  await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn,
      Protocol: "HTTP",
      Port: await freePort(),
      DefaultActions: [{ Type: "forward", TargetGroupArn: tg.TargetGroups?.[0]?.TargetGroupArn }],
    }),
  );
  return tg.TargetGroups?.[0]?.TargetGroupArn as string;
}

/** The register side: a healthy registration and its post, then a broken task whose diagnosis needs every Describe. */
export function registerSteps(emu: RunningEmulator, tg: string, broken: SampleApp): Step[] {
  let healthy: RunResult | undefined;
  let failing: RunResult | undefined;
  return [
    { name: "register main", run: async () => (healthy = await runRegister(emu, registerInputs(tg), asRegisterRole)) },
    { name: "register post", run: () => runRegisterPost(emu, healthy as RunResult, asRegisterRole) },
    {
      name: "register main (broken /healthz)",
      run: async () => {
        const s = scenario({ tasks: [{ ip: broken.address, port: 5000 }] });
        await emu.emulator.loadScenario({ ecs: { clusters: s.ecs.clusters } });
        failing = await runRegister(emu, registerInputs(tg), asRegisterRole);
        return failing;
      },
      expect:
        /Target\.ResponseCodeMismatch[\s\S]*the task security group\(s\) sg-[0-9a-f]+ admit the ALB security group/,
    },
    { name: "register post (broken)", run: () => runRegisterPost(emu, failing as RunResult, asRegisterRole) },
  ];
}

/** Runs jobs a few at a time: each has its own emulator, and most of a job is waiting on a bundle. */
export async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

/** Starts two healthy tasks and one whose /healthz answers 404, for the describe block that calls it. */
export function useEnforcementTasks(): { apps: SampleApp[]; broken: SampleApp } {
  const tasks = { apps: [] as SampleApp[], broken: undefined as unknown as SampleApp };
  beforeAll(async () => {
    tasks.apps = await startTasks(2);
    [tasks.broken] = (await startTasks(1, { settings: { healthzStatus: 404 } })) as [SampleApp];
  });
  afterAll(async () => {
    await Promise.all([...tasks.apps, tasks.broken].filter(Boolean).map((a) => a.stop()));
  });
  return tasks;
}
