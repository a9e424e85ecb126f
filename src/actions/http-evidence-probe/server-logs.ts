// Finds each probe's own log entries in CloudWatch Logs: by its request ids where the app logs them, else by route and time.
import { done, type Look, notYet, WaiterState, waitFor } from "../../lib/wait";
import type { LogTarget } from "./log-target";
import type { FilteredLogEvent, LogsApi } from "./logs-api";

export interface ProbeLogQuery {
  name: string;
  /** The correlation ids the probe's requests carried, oldest first (the last one is the attempt that counts). */
  requestIds: string[];
  startMs: number;
  endMs: number;
  filterPattern: string;
}

export type MatchedBy = "request-id" | "route-and-time" | "none";

export interface ProbeLogResult {
  query: ProbeLogQuery;
  events: FilteredLogEvent[];
  matchedBy: MatchedBy;
}

/** Log events are stamped by the task's clock, not the runner's: a little slack each side of the window. */
export const WINDOW_SLACK_MS = 2_000;
/** FilterLogEvents is limited to 5 requests per second per account and region: poll gently. */
const POLL_INTERVAL_MS = 2_000;
/** The shortest delay the waiter takes (it refuses none). */
const MIN_POLL_MS = 100;
const MAX_PAGES = 200;

function carriesId(message: string, ids: string[]): boolean {
  // An id must stand alone: `...-healthz-1` is not `...-healthz-10`.
  return ids.some((id) => {
    let at = message.indexOf(id);
    while (at >= 0) {
      const before = message[at - 1];
      const after = message[at + id.length];
      if (!(before && /[A-Za-z0-9_.-]/.test(before)) && !(after && /[A-Za-z0-9_.-]/.test(after))) return true;
      at = message.indexOf(id, at + 1);
    }
    return false;
  });
}

interface Found {
  q: ProbeLogQuery;
  events: FilteredLogEvent[];
  correlated: FilteredLogEvent[];
  answered: boolean;
}

/**
 * Waits (the suite's `waitFor`, over the SDK's waiter) until every probe has
 * its entries or `waitMs` has passed (CloudWatch shows events seconds after
 * they were written); each look pages FilterLogEvents through the SDK's
 * paginator. A probe that sent request ids is done once the entry of its last
 * attempt is there; one that sent none, once any entry of its route in its
 * window is there. At the deadline, the route within the probe's window is all
 * there is to go on.
 */
export async function searchProbeLogs(
  queries: ProbeLogQuery[],
  target: LogTarget,
  waitMs: number,
  api: LogsApi,
  pollMs = POLL_INTERVAL_MS,
): Promise<ProbeLogResult[]> {
  const look = async (): Promise<Look<Found[], Found[]>> => {
    const found = await Promise.all(
      queries.map(async (q): Promise<Found> => {
        const events = await api.filterLogEvents(
          {
            logGroupName: target.group,
            ...(target.streamPrefix !== undefined ? { logStreamNamePrefix: target.streamPrefix } : {}),
            startTime: q.startMs - WINDOW_SLACK_MS,
            endTime: q.endMs + WINDOW_SLACK_MS,
            filterPattern: q.filterPattern,
          },
          MAX_PAGES,
        );
        const last = q.requestIds.slice(-1);
        return {
          q,
          events,
          correlated: events.filter((e) => carriesId(e.message ?? "", q.requestIds)),
          // The attempt that counts is the last one: its entry may arrive after the earlier attempts'.
          answered: events.some((e) => carriesId(e.message ?? "", last)),
        };
      }),
    );
    // With request ids sent, only an entry carrying one is proof; the route and the window are the fallback
    // at the deadline (an app that does not log the header costs the whole wait: set request-id-header: none).
    const complete = found.every((f) => (f.q.requestIds.length > 0 ? f.answered : f.events.length > 0));
    return complete ? done(found) : notYet("not every probe's log entry is there yet", found);
  };
  // A delay never longer than the wait itself, so a short wait is not overshot by a whole interval.
  const delay = Math.max(MIN_POLL_MS, Math.min(pollMs, waitMs));
  const waited = await waitFor<Found[], Found[]>(
    { what: "the probes' log entries", timeoutMs: waitMs, minDelayMs: delay, maxDelayMs: delay },
    look,
  );
  // No look says "never" (FAILURE): at the deadline the last look is what there is.
  const found = waited.state === WaiterState.SUCCESS ? waited.value : (waited.seen ?? []);
  return found.map((f): ProbeLogResult => {
    if (f.correlated.length > 0) return { query: f.q, events: f.correlated, matchedBy: "request-id" };
    if (f.events.length > 0) return { query: f.q, events: f.events, matchedBy: "route-and-time" };
    return { query: f.q, events: [], matchedBy: "none" };
  });
}

/** `<prefix>/<container>/<task-id>` (awslogs) -> the task id and container; undefined for other stream names. */
export function taskOfStream(stream: string): { taskId: string; container: string } | undefined {
  const m = /(?:^|\/)([^/]+)\/([0-9a-f]{32})$/.exec(stream);
  return m ? { container: m[1] as string, taskId: m[2] as string } : undefined;
}

/** What the probe's JSON line says about its log entries. */
export function logReport(result: ProbeLogResult, target: LogTarget, evidenceFile: string) {
  const streams = [...new Set(result.events.map((e) => e.logStreamName ?? ""))].filter((s) => s !== "");
  const last = result.query.requestIds[result.query.requestIds.length - 1];
  const answering =
    (last ? result.events.find((e) => carriesId(e.message ?? "", [last])) : undefined) ??
    (streams.length === 1 ? result.events[0] : undefined);
  const stream = answering?.logStreamName;
  return {
    group: target.group,
    source: target.source,
    stream_prefix: target.streamPrefix ?? null,
    filter_pattern: result.query.filterPattern,
    window: {
      start: new Date(result.query.startMs - WINDOW_SLACK_MS).toISOString(),
      end: new Date(result.query.endMs + WINDOW_SLACK_MS).toISOString(),
    },
    matched_by: result.matchedBy,
    events: result.events.length,
    request_ids: result.query.requestIds,
    streams,
    task_ids: [...new Set(streams.map((s) => taskOfStream(s)?.taskId).filter((t) => t !== undefined))],
    answered_by: stream ? { log_stream: stream, task_id: taskOfStream(stream)?.taskId ?? null } : null,
    evidence: evidenceFile,
  };
}

export type LogReport = ReturnType<typeof logReport>;

/** `<ts>_cloudwatch_<probe>.json`: what `aws logs filter-log-events` prints for the same search. */
export function cliJson(events: FilteredLogEvent[]): string {
  const shown = events.map((e) => ({
    logStreamName: e.logStreamName,
    timestamp: e.timestamp,
    message: e.message,
    ingestionTime: e.ingestionTime,
    eventId: e.eventId,
  }));
  // The AWS CLI prints JSON indented by 4 spaces.
  return `${JSON.stringify({ events: shown, searchedLogStreams: [] }, null, 4)}\n`;
}
