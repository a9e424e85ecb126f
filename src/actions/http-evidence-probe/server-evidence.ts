// The server side of the evidence: before the probes, find the log group; after them, each probe's own log entries.

import { ConfigurationError, InputError } from "../../lib/errors";
import type { EvidenceWriter } from "../../lib/evidence";
import type { ProbeInputs, ProbeSpec } from "./inputs";
import { routeFilterPattern } from "./log-inputs";
import { type LogTarget, resolveLogTarget } from "./log-target";
import type { LogsApi } from "./logs-api";
import type { ProbeDeps, ProbeReport } from "./run";
import { cliJson, logReport, type ProbeLogQuery, searchProbeLogs } from "./server-logs";
import type { Exchange } from "./types";

export interface LogSearch {
  target: LogTarget;
  api: LogsApi;
}

/** What one probe leaves for the log search. */
export interface ProbedRun {
  spec: ProbeSpec;
  report: ProbeReport;
  exchange: Exchange;
  query: ProbeLogQuery;
}

const expectsLog = (inputs: ProbeInputs, spec: ProbeSpec) => spec.expectLog ?? inputs.logs?.expectLog ?? false;

export function logQuery(inputs: ProbeInputs, spec: ProbeSpec, requestIds: string[], startMs: number, endMs: number) {
  return {
    name: spec.name,
    requestIds,
    startMs,
    endMs,
    filterPattern: spec.logFilterPattern ?? inputs.logs?.filterPattern ?? routeFilterPattern(spec.url.pathname),
  };
}

/**
 * Finds the log group before any probe runs. A group that does not exist or
 * cannot be searched fails the step at once when a probe expects its log
 * entries; otherwise it is a warning and the probes run without them.
 */
export async function prepareLogSearch(inputs: ProbeInputs, deps: ProbeDeps): Promise<LogSearch | undefined> {
  if (!inputs.logs) return undefined;
  const api = deps.logsApi(inputs.logs.region);
  const target = await resolveLogTarget(inputs.logs, api, deps.clock.now());
  if ("message" in target) {
    if (inputs.probes.some((p) => expectsLog(inputs, p))) {
      const why = "(expect-log is true: every probe needs the app's log entry.)";
      if (target.input) throw new InputError(target.input, target.message, why);
      throw new ConfigurationError(`${target.message} ${why}`);
    }
    deps.log.annotation(
      "warning",
      `${target.message} The probes run without server-side evidence (set expect-log: true to make this an error).`,
      { title: "No CloudWatch Logs evidence" },
    );
    return undefined;
  }
  deps.log.info(
    `Server-side evidence: log group ${target.group} (${target.source})${target.streamPrefix ? `, streams ${target.streamPrefix}*` : ""}`,
  );
  return { target, api };
}

/**
 * After the probes: waits (bounded) for their log entries, writes
 * `<ts>_cloudwatch_<probe>.json` for each, records the answering task in the
 * probe's JSON line, and fails a probe that expects a log entry and has none.
 */
export async function addServerEvidence(
  runs: ProbedRun[],
  search: LogSearch,
  inputs: ProbeInputs,
  deps: ProbeDeps,
  writer: EvidenceWriter,
  redact: (text: string) => string,
  rewrite: (report: ProbeReport, exchange: Exchange) => void,
): Promise<void> {
  const waitMs = inputs.logs?.waitMs ?? 0;
  deps.log.info(`Looking for the probes' log entries in ${search.target.group} (waiting up to ${waitMs / 1000} s) ...`);
  const results = await searchProbeLogs(
    runs.map((r) => r.query),
    search.target,
    waitMs,
    search.api,
    deps.logPollMs,
  );
  for (const [i, result] of results.entries()) {
    const run = runs[i] as ProbedRun;
    const file = writer.write(`cloudwatch_${run.report.name}`, "json", redact(cliJson(result.events)));
    const log = logReport(result, search.target, file);
    run.report.log = log;
    if (result.matchedBy === "none") {
      const message = `no log entry in ${search.target.group} matched ${log.filter_pattern} between ${log.window.start} and ${log.window.end} (waited up to ${waitMs / 1000} s); expected the app's log line for ${run.report.method} ${new URL(run.report.url).pathname}. Check 'log-group', 'log-stream-prefix' and 'log-filter-pattern', and that the app logs each request`;
      if (expectsLog(inputs, run.spec)) {
        run.report.result = "fail";
        run.report.reasons.push(message);
      } else {
        deps.log.annotation("warning", `${run.report.name}: ${message}.`, {
          title: `No log entry for probe ${run.report.name}`,
        });
      }
    }
    const task = log.answered_by?.task_id ?? log.answered_by?.log_stream;
    deps.log.info(
      `  ${run.report.name}: ${log.events} log entr${log.events === 1 ? "y" : "ies"} (${log.matched_by})${task ? `, answered by task ${task}` : ""} -> ${file}`,
    );
    rewrite(run.report, run.exchange);
  }
}
