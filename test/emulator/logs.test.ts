import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  InvalidParameterException,
  PutLogEventsCommand,
  paginateDescribeLogStreams,
  paginateFilterLogEvents,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { spyAuthorizations } from "./authorizer-spy";
import { type RunningEmulator, startEmulator } from "./server";
import { compileFilterPattern } from "./services/logs/filter-pattern";

let emu: RunningEmulator;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  logs = new CloudWatchLogsClient({
    endpoint: emu.endpoint,
    region: "us-west-2",
    credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
  });
});
afterAll(() => emu.stop());
beforeEach(async () => {
  await emu.emulator.reset();
  await emu.emulator.loadScenario({ logs: { ingestionSeconds: 0, logGroups: [{ name: "/ecs/papyrus" }] } });
});

const line = (route: string, extra: Record<string, unknown> = {}) => JSON.stringify({ route, status: 200, ...extra });

async function put(stream: string, messages: string[], at = Date.now()) {
  await logs.send(new CreateLogStreamCommand({ logGroupName: "/ecs/papyrus", logStreamName: stream })).catch(() => {});
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: "/ecs/papyrus",
      logStreamName: stream,
      logEvents: messages.map((message, i) => ({ message, timestamp: at + i })),
    }),
  );
}

async function filterAll(input: Parameters<typeof paginateFilterLogEvents>[1]) {
  const events = [];
  let pages = 0;
  for await (const page of paginateFilterLogEvents({ client: logs }, input)) {
    pages++;
    events.push(...(page.events ?? []));
  }
  return { events, pages };
}

describe("log groups and streams", () => {
  it("creates, lists and refuses duplicates and bad names with AWS's exceptions", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/ecs/other" }));
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: "/ecs/other" }))).rejects.toBeInstanceOf(
      ResourceAlreadyExistsException,
    );
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: "bad name!" }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/ecs/" }));
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(["/ecs/other", "/ecs/papyrus"]);
    expect(groups.logGroups?.[1]?.arn).toBe("arn:aws:logs:us-west-2:123456789012:log-group:/ecs/papyrus:*");
    expect(emu.emulator.leftovers()).toEqual({ logs: ["arn:aws:logs:us-west-2:123456789012:log-group:/ecs/other:*"] });
    await logs.send(new DeleteLogGroupCommand({ logGroupName: "/ecs/other" }));
    expect(emu.emulator.leftovers()).toEqual({});
  });

  it("a stream needs its group; names with ':' are refused; streams page", async () => {
    await expect(
      logs.send(new CreateLogStreamCommand({ logGroupName: "/ecs/nope", logStreamName: "a" })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      logs.send(new CreateLogStreamCommand({ logGroupName: "/ecs/papyrus", logStreamName: "a:b" })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    for (let i = 0; i < 5; i++) await put(`app/papyrus-app/task${i}`, [line("/healthz")]);
    const names: string[] = [];
    for await (const p of paginateDescribeLogStreams(
      { client: logs, pageSize: 2 },
      { logGroupName: "/ecs/papyrus", logStreamNamePrefix: "app/" },
    )) {
      expect((p.logStreams ?? []).length).toBeLessThanOrEqual(2);
      names.push(...(p.logStreams ?? []).map((s) => s.logStreamName as string));
    }
    expect(names).toHaveLength(5);
    await expect(
      logs.send(
        new DescribeLogStreamsCommand({
          logGroupName: "/ecs/papyrus",
          orderBy: "LastEventTime",
          logStreamNamePrefix: "a",
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe("PutLogEvents", () => {
  it("refuses an unordered batch, a missing stream, and rejects events too far in the future", async () => {
    await logs.send(new CreateLogStreamCommand({ logGroupName: "/ecs/papyrus", logStreamName: "s" }));
    const now = Date.now();
    await expect(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: "/ecs/papyrus",
          logStreamName: "s",
          logEvents: [
            { message: "b", timestamp: now },
            { message: "a", timestamp: now - 1000 },
          ],
        }),
      ),
    ).rejects.toThrow(/chronological order/);
    await expect(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: "/ecs/papyrus",
          logStreamName: "missing",
          logEvents: [{ message: "a", timestamp: now }],
        }),
      ),
    ).rejects.toThrow(/log stream does not exist/);
    const out = await logs.send(
      new PutLogEventsCommand({
        logGroupName: "/ecs/papyrus",
        logStreamName: "s",
        logEvents: [
          { message: "kept", timestamp: now },
          { message: "future", timestamp: now + 3 * 3600 * 1000 },
        ],
      }),
    );
    expect(out.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
  });
});

describe("FilterLogEvents", () => {
  it("an unknown group is ResourceNotFoundException; name and identifier together are refused", async () => {
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: "/ecs/nope" }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(
      logs.send(new FilterLogEventsCommand({ logGroupName: "/ecs/papyrus", logGroupIdentifier: "/ecs/papyrus" })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it("events are searchable only after the ingestion delay", async () => {
    await emu.emulator.loadScenario({ timeScale: 1, logs: { ingestionSeconds: 0.4 } });
    try {
      await put("app/papyrus-app/t1", [line("/healthz")]);
      const early = await logs.send(new FilterLogEventsCommand({ logGroupName: "/ecs/papyrus" }));
      expect(early.events).toEqual([]);
      await new Promise((r) => setTimeout(r, 600));
      const late = await logs.send(new FilterLogEventsCommand({ logGroupName: "/ecs/papyrus" }));
      expect(late.events?.map((e) => e.logStreamName)).toEqual(["app/papyrus-app/t1"]);
    } finally {
      await emu.emulator.loadScenario({ timeScale: 0.01 });
    }
  });

  it("pages can be partial or empty while a nextToken remains; the paginator finds every match in time order", async () => {
    await emu.emulator.loadScenario({ logs: { scanPerPage: 3 } });
    const t0 = Date.now() - 10_000;
    await put("app/papyrus-app/a", [line("/healthz"), line("/healthz"), line("/healthz"), line("/dbcheck")], t0);
    await put("app/papyrus-app/b", [line("/healthz"), line("/dbcheck", { request_id: "r-1" })], t0 + 100);
    const first = await logs.send(
      new FilterLogEventsCommand({ logGroupName: "/ecs/papyrus", filterPattern: '{ $.route = "/dbcheck" }' }),
    );
    expect(first.events).toEqual([]);
    expect(first.nextToken).toBeDefined();
    const { events, pages } = await filterAll({
      logGroupName: "/ecs/papyrus",
      filterPattern: '{ $.route = "/dbcheck" }',
    });
    expect(pages).toBeGreaterThan(1);
    expect(events.map((e) => e.logStreamName)).toEqual(["app/papyrus-app/a", "app/papyrus-app/b"]);
    expect(events[0]?.eventId).toMatch(/^\d{56}$/);
    const windowed = await filterAll({ logGroupName: "/ecs/papyrus", startTime: t0 + 100, endTime: t0 + 100 });
    expect(windowed.events).toHaveLength(1);
    const byPrefix = await filterAll({ logGroupName: "/ecs/papyrus", logStreamNamePrefix: "app/papyrus-app/b" });
    expect(byPrefix.events).toHaveLength(2);
    await expect(
      logs.send(new FilterLogEventsCommand({ logGroupName: "/ecs/papyrus", nextToken: "bm9wZQ==" })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it("an invalid filter pattern is InvalidParameterException", async () => {
    await expect(
      logs.send(new FilterLogEventsCommand({ logGroupName: "/ecs/papyrus", filterPattern: "{ $.route = " })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it("under enforcement, FilterLogEvents is evaluated on the log group's ARN with ':*'; a denial is AccessDeniedException", async () => {
    const seen = await spyAuthorizations(
      emu,
      () => true,
      async () => {
        await expect(logs.send(new FilterLogEventsCommand({ logGroupName: "/ecs/papyrus" }))).rejects.toMatchObject({
          name: "AccessDeniedException",
        });
      },
    );
    expect(seen).toEqual([
      expect.objectContaining({
        action: "logs:FilterLogEvents",
        resources: ["arn:aws:logs:us-west-2:123456789012:log-group:/ecs/papyrus:*"],
      }),
    ]);
  });
});

describe("filter patterns", () => {
  const event = JSON.stringify({
    route: "/dbcheck",
    status: 200,
    ok: true,
    request_id: "run-1-dbcheck-1",
    nested: { task: "abc" },
    list: ["x", "y"],
    gone: null,
  });
  it.each([
    ['{ $.route = "/dbcheck" }', true],
    ["{ $.route = /dbcheck }", true],
    ['{ $.route = "/db*" }', true],
    ['{ $.route = "/healthz" }', false],
    ['{ $.route != "/healthz" }', true],
    ['{ $.missing != "x" }', false],
    ["{ $.status = 200 }", true],
    ["{ $.status >= 500 }", false],
    ['{ $.status = 200 && $.route = "/dbcheck" }', true],
    ['{ ($.status = 500 || $.route = "/dbcheck") && $.ok IS TRUE }', true],
    ["{ $.ok IS FALSE }", false],
    ["{ $.gone IS NULL }", true],
    ["{ $.missing NOT EXISTS }", true],
    ["{ $.route NOT EXISTS }", false],
    ['{ $.nested.task = "abc" }', true],
    ['{ $.list[1] = "y" }', true],
    ['{ $.request_id = "run-1-dbcheck-1" }', true],
    ["", true],
    ["dbcheck", true],
    ['"run-1-dbcheck-1"', true],
    ["dbcheck healthz", false],
    ["?healthz ?dbcheck", true],
    ['dbcheck -"run-1"', false],
  ])("%s → %s", (pattern, expected) => {
    expect(compileFilterPattern(pattern)(event)).toBe(expected);
  });

  it("a JSON pattern never matches a non-JSON message", () => {
    expect(compileFilterPattern('{ $.route = "/dbcheck" }')("GET /dbcheck 200")).toBe(false);
  });

  it.each(["{ $.route = ", '{ $.route < "x" }', "{ route = 1 }", "a/b", "%ERROR%", "[ip, user]"])(
    "refuses %s",
    (pattern) => {
      expect(() => compileFilterPattern(pattern)).toThrow(/Invalid filter pattern/);
    },
  );
});
