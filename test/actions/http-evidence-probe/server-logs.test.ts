// Server-side evidence in process: real sample-app tasks whose stdout the awslogs driver ships to the
// emulator's CloudWatch Logs, the probe's run() with the real SDK, real HTTP and the real clock.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { exchange } from "../../../src/actions/http-evidence-probe/http";
import { readProbeInputs } from "../../../src/actions/http-evidence-probe/inputs";
import { awsLogsApi } from "../../../src/actions/http-evidence-probe/logs-api";
import { type ProbeDeps, run } from "../../../src/actions/http-evidence-probe/run";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import type { EcsModule } from "../../emulator/services/ecs";
import { type SampleApp, startTasks } from "../../fixtures/sample-app";
import { type AwsLogsDriver, shipTaskLogs } from "../../fixtures/sample-app-awslogs";
import { fakeDeps } from "../../harness/fake-deps";

const REGION = "us-west-2";
let emu: RunningEmulator;
let tasks: SampleApp[];
let drivers: AwsLogsDriver[] = [];

function scenario(group = "/ecs/papyrus") {
  return {
    logs: { ingestionSeconds: 2, logGroups: [{ name: "/ecs/papyrus" }] },
    ecs: {
      taskDefinitions: [
        {
          family: "papyrus-task",
          containerDefinitions: [
            {
              name: "sidecar",
              image: "envoy:1",
              logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/sidecar" } },
            },
            {
              name: "papyrus-app",
              image: "papyrus:1",
              portMappings: [{ containerPort: 5000 }],
              logConfiguration: {
                logDriver: "awslogs",
                options: { "awslogs-group": group, "awslogs-region": REGION, "awslogs-stream-prefix": "app" },
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
              tasks: tasks.map((t) => ({ ip: t.address, port: t.port, containerName: "papyrus-app" })),
            },
          ],
        },
      ],
    },
  };
}

beforeAll(async () => {
  tasks = await startTasks(2);
  emu = await startEmulator({ region: REGION, timeScale: 0.05 });
});
afterAll(async () => {
  await Promise.all(drivers.map((d) => d.stop(false)));
  await Promise.all(tasks.map((t) => t.stop()));
  await emu.stop();
});
beforeEach(async () => {
  await Promise.all(drivers.map((d) => d.stop(false)));
  drivers = [];
  await emu.emulator.reset();
  await emu.emulator.loadScenario(scenario());
});

/**
 * The tasks' awslogs drivers, shipping only what the apps print from now on:
 * the apps serve every test, and an earlier test's request to the same route,
 * within the probe's window (±2 s), would be taken for this probe's.
 */
async function ship(deliveryDelayMs: number): Promise<AwsLogsDriver[]> {
  return shipTaskLogs(emu, "papyrus", tasks, { deliveryDelayMs, since: Date.now() });
}

function world() {
  const annotations: { level: string; message: string }[] = [];
  const info: string[] = [];
  const summary: string[] = [];
  const seam = fakeDeps();
  const deps: ProbeDeps = {
    exchange,
    // The search looks every 250 ms, not every 2 s (FilterLogEvents' rate limit): these entries arrive within
    // a second, and each test would otherwise sit out a whole interval. Deadlines (log-wait-seconds) are kept.
    logPollMs: 250,
    logsApi: (region) =>
      awsLogsApi(region, {
        endpoint: emu.endpoint,
        credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
      }),
    ...seam,
    log: {
      ...seam.log,
      info: (m) => info.push(m),
      annotation: (level, message) => annotations.push({ level, message }),
    },
    summary: {
      write: async (markdown) => {
        summary.push(markdown);
        return true;
      },
    },
  };
  return { deps, annotations, info, summary };
}

function inputsFor(extra: Record<string, string>, task = tasks[0] as SampleApp) {
  const dir = mkdtempSync(join(tmpdir(), "probe-logs-"));
  const values: Record<string, string> = {
    "base-url": task.url,
    paths: "/healthz\n/json?ok=1",
    "evidence-dir": dir,
    "aws-region": REGION,
    "run-id": "4242-1",
    "deadline-seconds": "5",
    ...extra,
  };
  return { inputs: readProbeInputs((n) => values[n] ?? "", { GITHUB_WORKSPACE: dir }), dir };
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) out[f.replace(/^\d{8}_\d{6}_/, "")] = readFileSync(join(dir, f), "utf8");
  return out;
}

const taskIdOf = (app: SampleApp) => {
  const ecs = emu.emulator.service<EcsModule>("ecs");
  return ecs.tasksAt("papyrus", app.address)[0]?.id as string;
};

describe("http-evidence-probe: the app's own log entries (CloudWatch Logs)", () => {
  it("finds each probe's entry by its X-Request-Id, writes cloudwatch_<probe>.json as the CLI prints it, names the task", async () => {
    drivers = await ship(700);
    const { inputs, dir } = inputsFor({ cluster: "papyrus", service: "papyrus-task-service" });
    const { deps, info, summary } = world();
    const result = await run(inputs, deps);
    expect(result.failure, info.join("\n")).toBeUndefined();
    // A task ID is 32 hex digits, which GitHub would link as a commit: a code span.
    expect(summary[0]).toContain(`| healthz | 1 | request-id | \`${taskIdOf(tasks[0] as SampleApp)}\` |`);
    const ev = files(dir);
    const cw = JSON.parse(ev["cloudwatch_healthz.json"] as string);
    expect(Object.keys(cw)).toEqual(["events", "searchedLogStreams"]);
    expect(ev["cloudwatch_healthz.json"]).toMatch(/^\{\n {4}"events": \[/);
    expect(cw.events).toHaveLength(1);
    const event = cw.events[0];
    expect(Object.keys(event)).toEqual(["logStreamName", "timestamp", "message", "ingestionTime", "eventId"]);
    expect(event.logStreamName).toBe(`app/papyrus-app/${taskIdOf(tasks[0] as SampleApp)}`);
    expect(JSON.parse(event.message)).toMatchObject({ route: "/healthz", status: 200, request_id: "4242-1-healthz-1" });
    const line = JSON.parse(ev["healthz_json_line.log"] as string);
    expect(line.log).toMatchObject({
      group: "/ecs/papyrus",
      source: "task definition papyrus-task:1, container papyrus-app",
      stream_prefix: "app/papyrus-app/",
      filter_pattern: '{ $.route = "/healthz" }',
      matched_by: "request-id",
      events: 1,
      request_ids: ["4242-1-healthz-1"],
      task_ids: [taskIdOf(tasks[0] as SampleApp)],
      answered_by: { task_id: taskIdOf(tasks[0] as SampleApp) },
    });
    expect(line.evidence).toBeUndefined();
    const json = JSON.parse(ev["cloudwatch_json.json"] as string);
    expect(JSON.parse(json.events[0].message).route).toBe("/json");
    expect(JSON.parse(ev["probe_summary.json"] as string).settings.log_search).toMatchObject({
      log_group: "/ecs/papyrus",
      wait_seconds: 30,
    });
    expect((result.outputs.report as { probes: { log: unknown }[] }).probes[0]?.log).toMatchObject({
      matched_by: "request-id",
      answered_by: taskIdOf(tasks[0] as SampleApp),
    });
  });

  it("retries failed attempts with new ids and keeps only this probe's lines (not health checks or other probes)", async () => {
    drivers = await ship(300);
    // Another client's request to the same route in the same window.
    await fetch(`${(tasks[1] as SampleApp).url}/healthz`, { headers: { "X-Request-Id": "someone-else-1" } });
    const { inputs, dir } = inputsFor(
      { cluster: "papyrus", service: "papyrus-task-service", paths: "/healthz", "interval-seconds": "0.2" },
      tasks[1],
    );
    await (tasks[1] as SampleApp).control({ healthzFailCount: 1, healthzStatus: 503 });
    const result = await run(inputs, world().deps);
    expect(result.failure).toBeUndefined();
    const cw = JSON.parse(files(dir)["cloudwatch_healthz.json"] as string);
    const ids = cw.events.map((e: { message: string }) => JSON.parse(e.message).request_id);
    expect(ids).toEqual(["4242-1-healthz-1", "4242-1-healthz-2"]);
    expect(JSON.parse(cw.events[0].message).status).toBe(503);
    const line = JSON.parse(files(dir)["healthz_json_line.log"] as string);
    expect(line.log.answered_by.task_id).toBe(taskIdOf(tasks[1] as SampleApp));
  });

  it("without a correlation header, matches by route and the probe's time window", async () => {
    drivers = await ship(300);
    const { inputs, dir } = inputsFor({ "log-group": "/ecs/papyrus", "request-id-header": "none", paths: "/json?x=1" });
    const result = await run(inputs, world().deps);
    expect(result.failure).toBeUndefined();
    const line = JSON.parse(files(dir)["json_json_line.log"] as string);
    expect(line.log).toMatchObject({ matched_by: "route-and-time", source: "input", stream_prefix: null, events: 1 });
    expect(line.log.request_ids).toEqual([]);
  });

  it("an app that does not log the correlation header: at the deadline, matched by route and window", async () => {
    drivers = await ship(100);
    const { inputs, dir } = inputsFor({
      "log-group": "/ecs/papyrus",
      "request-id-header": "X-Correlation-Id",
      "log-wait-seconds": "1.5",
      paths: "/json?x=2",
    });
    const result = await run(inputs, world().deps);
    expect(result.failure).toBeUndefined();
    const line = JSON.parse(files(dir)["json_json_line.log"] as string);
    expect(line.log).toMatchObject({ matched_by: "route-and-time", request_ids: ["4242-1-json-1"], events: 1 });
    expect(line.log.answered_by.task_id).toBe(taskIdOf(tasks[0] as SampleApp));
  });

  it("expect-log: true fails a probe whose entry never arrives, after log-wait-seconds, with the reason", async () => {
    // No driver: the app logs to stdout but nothing ships it.
    const { inputs, dir } = inputsFor({
      "log-group": "/ecs/papyrus",
      "expect-log": "true",
      "log-wait-seconds": "1",
      paths: "/healthz",
    });
    const { deps, annotations } = world();
    const result = await run(inputs, deps);
    expect(result.failure).toMatch(/no log entry in \/ecs\/papyrus matched \{ \$\.route = "\/healthz" \}/);
    expect(annotations.some((a) => a.level === "error")).toBe(true);
    const line = JSON.parse(files(dir)["healthz_json_line.log"] as string);
    expect(line.result).toBe("fail");
    expect(line.status).toBe(200);
    expect(JSON.parse(files(dir)["cloudwatch_healthz.json"] as string).events).toEqual([]);
  });

  it("by default a missing entry is reported, not failed", async () => {
    const { inputs } = inputsFor({ "log-group": "/ecs/papyrus", "log-wait-seconds": "0.5", paths: "/healthz" });
    const { deps, annotations } = world();
    const result = await run(inputs, deps);
    expect(result.failure).toBeUndefined();
    expect(annotations).toEqual([
      expect.objectContaining({ level: "warning", message: expect.stringMatching(/no log entry/) }),
    ]);
  });

  it("a log group that does not exist: an error before any request with expect-log, else a warning", async () => {
    const strict = inputsFor({ "log-group": "/ecs/nope", "expect-log": "true" });
    const calls: string[] = [];
    const { deps } = world();
    const counting: ProbeDeps = {
      ...deps,
      exchange: async (url, opts) => {
        calls.push(url.href);
        return deps.exchange(url, opts);
      },
    };
    await expect(run(strict.inputs, counting)).rejects.toThrow(
      /^Input 'log-group': log group '\/ecs\/nope' does not exist in us-west-2 \(ResourceNotFoundException\)/,
    );
    expect(calls).toEqual([]);
    const lenient = inputsFor({ "log-group": "/ecs/nope" });
    const w = world();
    const result = await run(lenient.inputs, w.deps);
    expect(result.failure).toBeUndefined();
    expect(w.annotations).toEqual([
      expect.objectContaining({ level: "warning", message: expect.stringMatching(/'\/ecs\/nope' does not exist/) }),
    ]);
    expect(Object.keys(files(lenient.dir)).some((f) => f.startsWith("cloudwatch_"))).toBe(false);
  });

  it("the task definition's awslogs-group that does not exist is named with where it came from", async () => {
    await emu.emulator.reset();
    await emu.emulator.loadScenario(scenario("/ecs/renamed"));
    const { inputs } = inputsFor({ cluster: "papyrus", service: "papyrus-task-service", "expect-log": "true" });
    await expect(run(inputs, world().deps)).rejects.toThrow(
      /log group '\/ecs\/renamed' \(from task definition papyrus-task:1, container papyrus-app\) does not exist/,
    );
  });

  it("an unknown service is named", async () => {
    const { inputs } = inputsFor({ cluster: "papyrus", service: "nope", "expect-log": "true" });
    await expect(run(inputs, world().deps)).rejects.toThrow(
      /^Input 'service': ECS reports no service 'nope' in cluster 'papyrus'/,
    );
  });
});
