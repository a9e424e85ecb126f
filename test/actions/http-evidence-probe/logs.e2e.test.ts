// The committed bundle, runner-style, against the emulator with IAM enforcement on and only the
// README's policy: the server-side evidence works with exactly those permissions, and a missing one is named.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import { type SampleApp, startTasks } from "../../fixtures/sample-app";
import { type AwsLogsDriver, shipTaskLogs } from "../../fixtures/sample-app-awslogs";
import { errors, ROOT, runBundle } from "../../harness/runner";
import { evidence, expectInputError, jsonLine } from "./helpers";

const README = readFileSync(join(ROOT, "actions/http-evidence-probe/README.md"), "utf8");
const POLICY = JSON.parse(/## IAM permissions[\s\S]*?```json\n([\s\S]*?)```/.exec(README)?.[1] ?? "null");
const KEY = "AKIAPROBEROLE0000001";
const ROLE = "arn:aws:iam::123456789012:role/alb-smoke-ci";

let emu: RunningEmulator;
let tasks: SampleApp[];
let drivers: AwsLogsDriver[] = [];

function scenario(policy: unknown) {
  return {
    enforce: true,
    principals: { [KEY]: ROLE },
    iam: {
      roles: [
        {
          name: "alb-smoke-ci",
          trustPolicy: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Federated: "x" }, Action: "sts:AssumeRoleWithWebIdentity" }],
          },
          inlinePolicies: { probe: policy },
        },
      ],
    },
    logs: { logGroups: [{ name: "/ecs/papyrus" }] },
    ecs: {
      taskDefinitions: [
        {
          family: "papyrus-task",
          containerDefinitions: [
            {
              name: "papyrus-app",
              image: "papyrus:1",
              portMappings: [{ containerPort: 5000 }],
              logConfiguration: {
                logDriver: "awslogs",
                options: {
                  "awslogs-group": "/ecs/papyrus",
                  "awslogs-region": "us-west-2",
                  "awslogs-stream-prefix": "app",
                },
              },
            },
          ],
        },
      ],
      clusters: [
        {
          name: "papyrus",
          services: [
            {
              name: "papyrus-task-service",
              taskDefinition: "papyrus-task:1",
              tasks: tasks.map((t) => ({ ip: t.address, port: t.port })),
            },
          ],
        },
      ],
    },
  };
}

async function load(policy: unknown) {
  await Promise.all(drivers.map((d) => d.stop(false)));
  await emu.emulator.reset();
  await emu.emulator.loadScenario(scenario(policy));
  drivers = await shipTaskLogs(emu, "papyrus", tasks, { deliveryDelayMs: 500 });
}

function probeWithLogs(inputs: Record<string, string>) {
  return runBundle("http-evidence-probe", {
    inputs: {
      "base-url": (tasks[0] as SampleApp).url,
      paths: "/healthz\n/json?sku=SKU-APP",
      cluster: "papyrus",
      service: "papyrus-task-service",
      "aws-region": "us-west-2",
      "expect-log": "true",
      ...inputs,
    },
    env: {
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_ACCESS_KEY_ID: KEY,
      AWS_SECRET_ACCESS_KEY: "x",
      GITHUB_RUN_ID: "8812",
      GITHUB_RUN_ATTEMPT: "2",
    },
    timeoutMs: 90_000,
  });
}

beforeAll(async () => {
  tasks = await startTasks(1);
  emu = await startEmulator({ timeScale: 0.05 });
});
afterAll(async () => {
  await Promise.all(drivers.map((d) => d.stop(false)));
  await Promise.all(tasks.map((t) => t.stop()));
  await emu.stop();
});
beforeEach(() => load(POLICY));

describe("http-evidence-probe bundle: server-side evidence under IAM enforcement", () => {
  it("the README's policy is enough: cloudwatch_<probe>.json per probe, the answering task in the JSON line", async () => {
    expect(POLICY?.Statement?.length).toBe(3);
    const r = await probeWithLogs({});
    expect(r.code, errors(r).join("\n")).toBe(0);
    const ev = evidence(r);
    expect(Object.keys(ev).sort()).toEqual([
      "cloudwatch_healthz.json",
      "cloudwatch_json.json",
      "healthz.log",
      "healthz_json_line.log",
      "json.log",
      "json_json_line.log",
      "probe_summary.json",
    ]);
    const line = jsonLine(r, "healthz");
    expect(line.log).toMatchObject({ matched_by: "request-id", request_ids: ["8812-2-healthz-1"], events: 1 });
    expect(line.log.answered_by.log_stream).toMatch(/^app\/papyrus-app\/[0-9a-f]{32}$/);
    const events = JSON.parse(ev["cloudwatch_json.json"] as string).events;
    expect(JSON.parse(events[0].message)).toMatchObject({ route: "/json", request_id: "8812-2-json-1" });
    expect(r.outputs["evidence-files"]).toContain("cloudwatch_healthz.json");
    const calls = emu.emulator.requests.filter((q) => q.principal === ROLE).map((q) => `${q.service}:${q.action}`);
    expect(new Set(calls)).toEqual(
      new Set(["ecs:DescribeServices", "ecs:DescribeTaskDefinition", "logs:FilterLogEvents"]),
    );
  });

  it.each(["logs:FilterLogEvents", "ecs:DescribeServices", "ecs:DescribeTaskDefinition"])(
    "without %s: exit 1 before any request, naming the denied call",
    async (action) => {
      const trimmed = structuredClone(POLICY);
      trimmed.Statement = trimmed.Statement.filter((s: { Action: string }) => s.Action !== action);
      await load(trimmed);
      const before = (await (tasks[0] as SampleApp).state()).counts["/healthz"] ?? 0;
      const r = await probeWithLogs({});
      expect(r.code).toBe(1);
      expect(errors(r)[0]).toContain(`${action} was denied`);
      expect((await (tasks[0] as SampleApp).state()).counts["/healthz"] ?? 0).toBe(before);
    },
  );

  it("a log group that does not exist: with expect-log, an error naming 'log-group' and nothing written", async () => {
    const r = await probeWithLogs({ "log-group": "/ecs/does-not-exist", cluster: "", service: "" });
    expectInputError(r, "log-group");
    expect(errors(r)[0]).toContain("'/ecs/does-not-exist' does not exist in us-west-2");
  });

  it("a log group that does not exist: without expect-log, a warning and the probes still run", async () => {
    const r = await probeWithLogs({ "log-group": "/ecs/does-not-exist", "expect-log": "false" });
    expect(r.code, errors(r).join("\n")).toBe(0);
    expect(r.annotations.filter((a) => a.level === "warning").map((a) => a.message)).toEqual([
      expect.stringContaining("'/ecs/does-not-exist' does not exist"),
    ]);
    expect(Object.keys(evidence(r)).some((k) => k.startsWith("cloudwatch_"))).toBe(false);
  });

  it.each([
    [{ "log-group": "not a group!" }, "log-group"],
    [{ service: "" }, "service"],
    [{ cluster: "" }, "cluster"],
    [{ "log-group": "off" }, "expect-log"],
    [{ "log-wait-seconds": "-1" }, "log-wait-seconds"],
    [{ "request-id-header": "X Bad" }, "request-id-header"],
    [{ "run-id": "has space" }, "run-id"],
    [{ "log-filter-pattern": "{ route = 1" }, "log-filter-pattern"],
  ])("bad input %j: exit 1 naming %s, no request, no AWS call", async (inputs, input) => {
    const r = await probeWithLogs(inputs);
    expectInputError(r, input);
    expect(emu.emulator.requests.filter((q) => q.principal === ROLE)).toEqual([]);
  });
});
