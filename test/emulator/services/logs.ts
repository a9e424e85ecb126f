/**
 * CloudWatch Logs (JSON 1.1, `Logs_20140328.*`, signing name `logs`): log
 * groups, streams, PutLogEvents with AWS's batch rules, and FilterLogEvents
 * with filter patterns, partial pages and an ingestion delay. Format and
 * limits: docs/logs.md.
 */
import { jsonAccessDenied } from "../errors";
import type { Emulator } from "../server";
import type { Params, Scenario, ServiceModule } from "../types";
import { operations } from "../types";
import { compileFilterPattern } from "./logs/filter-pattern";
import {
  eventId,
  invalidParameter,
  type LogEvent,
  type LogGroup,
  LogStore,
  type LogStream,
  streamNotFound,
} from "./logs/store";
import { page } from "./paging";

/** Nothing beyond the common shape: its state is reached only through its API. */
export type LogsModule = ServiceModule;

export interface LogsScenario {
  /** Seconds (× timeScale) before a put event is searchable. Default 2. */
  ingestionSeconds?: number;
  /** Events FilterLogEvents scans per page, matching or not (so pages can be partial or empty). Default 50. */
  scanPerPage?: number;
  logGroups?: { name: string; retentionInDays?: number; tags?: Record<string, string> }[];
}

const DEFAULTS = { ingestionSeconds: 2, scanPerPage: 50 };
const DAY_MS = 24 * 3600 * 1000;
const MAX_BATCH_BYTES = 1_048_576;

function limitOf(params: Params, max: number, def: number): number {
  if (params.limit === undefined) return def;
  const n = Number(params.limit);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw invalidParameter(
      `1 validation error detected: Value '${params.limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`,
    );
  return n;
}

const badToken = () => invalidParameter("The specified nextToken is invalid.");

function sortEvents(a: { e: LogEvent }, b: { e: LogEvent }): number {
  return a.e.timestamp - b.e.timestamp || a.e.ingestionTime - b.e.ingestionTime || (a.e.eventId < b.e.eventId ? -1 : 1);
}

export function createLogs(emulator: Emulator): LogsModule {
  const store = new LogStore(() => ({ region: emulator.region, account: emulator.account }));
  let settings = { ...DEFAULTS };

  const streamsOf = (group: LogGroup, params: Params): LogStream[] => {
    const names: unknown = params.logStreamNames;
    const prefix = params.logStreamNamePrefix;
    if (Array.isArray(names) && prefix !== undefined)
      throw invalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
    if (Array.isArray(names)) {
      if (names.length < 1 || names.length > 100)
        throw invalidParameter(
          "1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length between 1 and 100",
        );
      return names.map((n) => group.streams.get(String(n))).filter((s): s is LogStream => s !== undefined);
    }
    return [...group.streams.values()].filter((s) => prefix === undefined || s.name.startsWith(String(prefix)));
  };

  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html: policies name a
  // log group with the trailing ':*'; PutLogEvents is authorized on the log stream; DescribeLogGroups on `*`.
  const onGroup = { resources: (params: Params) => [store.groupArn(store.groupNameOf(params, false) ?? "")] };
  const onStream = {
    resources: (params: Params) => [
      store.streamArn(store.groupNameOf(params, false) ?? "", String(params.logStreamName ?? "")),
    ],
  };

  const module: LogsModule = {
    signingName: "logs",
    protocol: "json",
    iamPrefix: "logs",
    accessDenied: jsonAccessDenied,
    operations: operations(
      {
        CreateLogGroup: (params) => {
          const tags: Record<string, string> =
            params.tags && typeof params.tags === "object" ? (params.tags as Record<string, string>) : {};
          store.createGroup(String(params.logGroupName ?? ""), { tags, seeded: false });
          return {};
        },
        DeleteLogGroup: (params) => {
          const name = String(params.logGroupName ?? "");
          store.group(name);
          store.groups.delete(name);
          return {};
        },
        CreateLogStream: (params) => {
          const group = store.group(String(params.logGroupName ?? ""));
          store.createStream(group, String(params.logStreamName ?? ""));
          return {};
        },
        PutLogEvents: (params) => {
          const group = store.group(store.groupNameOf(params) as string);
          const stream = group.streams.get(String(params.logStreamName ?? ""));
          if (!stream) throw streamNotFound();
          const events: Params[] = Array.isArray(params.logEvents) ? params.logEvents : [];
          if (events.length < 1 || events.length > 10_000)
            throw invalidParameter(
              "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and 10000",
            );
          let bytes = 0;
          for (const [i, e] of events.entries()) {
            if (typeof e.message !== "string" || e.message.length === 0)
              throw invalidParameter(
                `1 validation error detected: Value at 'logEvents.${i + 1}.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1`,
              );
            if (!Number.isInteger(e.timestamp) || e.timestamp < 0)
              throw invalidParameter(`logEvents.${i + 1}.timestamp must be milliseconds since the epoch.`);
            if (i > 0 && e.timestamp < (events[i - 1]?.timestamp as number))
              throw invalidParameter("Log events in a single PutLogEvents request must be in chronological order.");
            bytes += Buffer.byteLength(e.message, "utf8") + 26;
          }
          if (bytes > MAX_BATCH_BYTES)
            throw invalidParameter(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
          const first = events[0]?.timestamp as number;
          const last = events[events.length - 1]?.timestamp as number;
          if (last - first > DAY_MS)
            throw invalidParameter(
              "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
            );
          // Events too far in the future (2 h), too old (14 days) or past retention are rejected, the rest kept.
          const now = Date.now();
          const rejected: Record<string, number> = {};
          const retentionStart = group.retentionInDays ? now - group.retentionInDays * DAY_MS : -Infinity;
          const visibleAt = now + emulator.scaled(settings.ingestionSeconds * 1000);
          for (const [i, e] of events.entries()) {
            const ts = e.timestamp as number;
            if (ts > now + 2 * 3600 * 1000) {
              rejected.tooNewLogEventStartIndex ??= i;
              continue;
            }
            if (ts < now - 14 * DAY_MS) {
              rejected.tooOldLogEventEndIndex = i;
              continue;
            }
            if (ts < retentionStart) {
              rejected.expiredLogEventEndIndex = i;
              continue;
            }
            stream.events.push({
              timestamp: ts,
              message: e.message,
              ingestionTime: now,
              eventId: eventId(),
              visibleAt,
            });
          }
          stream.lastIngestionTime = now;
          return {
            nextSequenceToken: eventId(),
            ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}),
          };
        },
        DescribeLogGroups: (params) => {
          if (params.logGroupNamePrefix !== undefined && params.logGroupNamePattern !== undefined)
            throw invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
          const prefix = params.logGroupNamePrefix === undefined ? undefined : String(params.logGroupNamePrefix);
          const pattern = params.logGroupNamePattern === undefined ? undefined : String(params.logGroupNamePattern);
          const groups = [...store.groups.values()]
            .filter(
              (g) => (prefix === undefined || g.name.startsWith(prefix)) && (!pattern || g.name.includes(pattern)),
            )
            .sort((a, b) => (a.name < b.name ? -1 : 1));
          const result = page(groups, {
            token: params.nextToken,
            max: limitOf(params, 50, 50),
            tag: "log-groups",
            badToken,
          });
          return {
            logGroups: result.items.map((g) => ({
              logGroupName: g.name,
              creationTime: g.creationTime,
              ...(g.retentionInDays ? { retentionInDays: g.retentionInDays } : {}),
              metricFilterCount: 0,
              arn: store.groupArn(g.name),
              storedBytes: 0,
              logGroupClass: "STANDARD",
              logGroupArn: store.groupArn(g.name, false),
            })),
            ...(result.nextToken ? { nextToken: result.nextToken } : {}),
          };
        },
        DescribeLogStreams: (params) => {
          const group = store.group(store.groupNameOf(params) as string);
          const orderBy = String(params.orderBy ?? "LogStreamName");
          if (orderBy !== "LogStreamName" && orderBy !== "LastEventTime")
            throw invalidParameter(
              `1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`,
            );
          if (orderBy === "LastEventTime" && params.logStreamNamePrefix !== undefined)
            throw invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
          const lastEvent = (s: LogStream) => s.events.reduce((m, e) => Math.max(m, e.timestamp), 0);
          const streams = streamsOf(group, { logStreamNamePrefix: params.logStreamNamePrefix }).sort((a, b) =>
            orderBy === "LastEventTime" ? lastEvent(a) - lastEvent(b) : a.name < b.name ? -1 : 1,
          );
          if (params.descending === true) streams.reverse();
          const result = page(streams, {
            token: params.nextToken,
            max: limitOf(params, 50, 50),
            tag: `log-streams:${group.name}`,
            badToken,
          });
          return {
            logStreams: result.items.map((s) => {
              const times = s.events.map((e) => e.timestamp);
              return {
                logStreamName: s.name,
                creationTime: s.creationTime,
                ...(times.length > 0
                  ? { firstEventTimestamp: Math.min(...times), lastEventTimestamp: Math.max(...times) }
                  : {}),
                ...(s.lastIngestionTime ? { lastIngestionTime: s.lastIngestionTime } : {}),
                arn: store.streamArn(group.name, s.name),
                storedBytes: 0,
              };
            }),
            ...(result.nextToken ? { nextToken: result.nextToken } : {}),
          };
        },
        FilterLogEvents: (params) => {
          const group = store.group(store.groupNameOf(params) as string);
          const streams = streamsOf(group, params);
          const limit = limitOf(params, 10_000, 10_000);
          const matches = compileFilterPattern(params.filterPattern === undefined ? "" : String(params.filterPattern));
          const start = params.startTime === undefined ? -Infinity : Number(params.startTime);
          const end = params.endTime === undefined ? Infinity : Number(params.endTime);
          // A token pins what was visible when the search began, so later arrivals cannot shift its offsets.
          let asOf = Date.now();
          let offset = 0;
          const tag = `filter:${group.name}`;
          if (params.nextToken !== undefined) {
            try {
              const t = JSON.parse(Buffer.from(String(params.nextToken), "base64").toString("utf8"));
              if (t.t !== tag || !Number.isInteger(t.o) || !Number.isInteger(t.s)) throw new Error("foreign token");
              asOf = t.s;
              offset = t.o;
            } catch {
              throw badToken();
            }
          }
          const scanned = streams
            .flatMap((s) => s.events.map((e) => ({ s, e })))
            .filter(({ e }) => e.visibleAt <= asOf && e.timestamp >= start && e.timestamp <= end)
            .sort(sortEvents);
          // Like AWS, a page covers part of the search: it may be partial or empty while more remains.
          const out: Params[] = [];
          let i = offset;
          for (; i < scanned.length && i < offset + settings.scanPerPage && out.length < limit; i++) {
            const { s, e } = scanned[i] as { s: LogStream; e: LogEvent };
            if (!matches(e.message)) continue;
            out.push({
              logStreamName: s.name,
              timestamp: e.timestamp,
              message: e.message,
              ingestionTime: e.ingestionTime,
              eventId: e.eventId,
            });
          }
          return {
            events: out,
            // Deprecated in AWS since 2020: always an empty list.
            searchedLogStreams: [],
            ...(i < scanned.length
              ? { nextToken: Buffer.from(JSON.stringify({ t: tag, o: i, s: asOf })).toString("base64") }
              : {}),
          };
        },
      },
      {
        CreateLogGroup: onGroup,
        DeleteLogGroup: onGroup,
        CreateLogStream: onGroup,
        PutLogEvents: onStream,
        DescribeLogGroups: {},
        DescribeLogStreams: onGroup,
        FilterLogEvents: onGroup,
      },
    ),
    reset() {
      store.groups.clear();
      settings = { ...DEFAULTS };
    },
    snapshot: () => ({
      settings,
      logGroups: [...store.groups.values()].map((g) => ({
        name: g.name,
        arn: store.groupArn(g.name),
        streams: [...g.streams.values()].map((s) => ({ name: s.name, events: s.events.length })),
      })),
    }),
    created: () => [...store.groups.values()].filter((g) => !g.seeded).map((g) => store.groupArn(g.name)),
    loadScenario(scenario: Scenario) {
      const section = scenario.logs as LogsScenario | undefined;
      if (!section) return;
      for (const key of Object.keys(section)) {
        if (!["ingestionSeconds", "scanPerPage", "logGroups"].includes(key))
          throw new Error(`logs scenario: unknown key ${key}`);
      }
      if (section.ingestionSeconds !== undefined) settings.ingestionSeconds = Number(section.ingestionSeconds);
      if (section.scanPerPage !== undefined) settings.scanPerPage = Math.max(1, Number(section.scanPerPage));
      for (const g of section.logGroups ?? []) {
        if (typeof g.name !== "string") throw new Error("logs scenario: every log group needs a name");
        store.groups.delete(g.name);
        store.createGroup(g.name, {
          ...(g.retentionInDays !== undefined ? { retentionInDays: g.retentionInDays } : {}),
          ...(g.tags ? { tags: g.tags } : {}),
          seeded: true,
        });
      }
    },
  };
  return module;
}
