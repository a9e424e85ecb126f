import { accessSync, constants, mkdirSync, rmSync } from "node:fs";
import { InputError } from "../../lib/errors";
import { EvidenceWriter, evidenceTimestamp } from "../../lib/evidence";
import { redactor } from "../../lib/masking";
import type { ActionDeps, ActionResult } from "../../lib/run-action";
import { done, type Look, notYet, WaiterState, waitFor } from "../../lib/wait";
import { curlLog } from "./curl-log";
import { describeFailures, type ExpectationResult, evaluate } from "./expectations";
import { resolvedAddress } from "./http";
import type { ProbeInputs, ProbeSpec } from "./inputs";
import { type LatencyReport, sampleLatency } from "./latency";
import type { LogsApi } from "./logs-api";
import { proxyFor, shownProxy } from "./proxy";
import { addServerEvidence, type LogSearch, logQuery, type ProbedRun, prepareLogSearch } from "./server-evidence";
import type { LogReport } from "./server-logs";
import { summaryMarkdown } from "./summary";
import type { TlsInfo } from "./tls-info";
import type { Exchange, ExchangeOptions } from "./types";

export type { LatencyReport };

export interface ProbeDeps extends ActionDeps {
  exchange: (url: URL, opts: ExchangeOptions) => Promise<Exchange>;
  /** CloudWatch Logs and ECS, for the server-side evidence. */
  logsApi: (region: string) => LogsApi;
  /** Evidence timestamp (UTC YYYYMMDD_HHMMSS). */
  timestamp?: string;
  /** How often the log search looks, in ms (default 2 s, FilterLogEvents' rate limit): tests set less. */
  logPollMs?: number;
}

/** One probe's outcome: also the content of its `<ts>_<name>_json_line.log`. */
export interface ProbeReport {
  name: string;
  result: "pass" | "fail";
  url: string;
  method: string;
  resolved_address: string | null;
  /** The proxy the request went through, or null when it went direct. */
  proxy: string | null;
  remote_port: number | null;
  status: number | null;
  http_version: string | null;
  attempts: number;
  elapsed_ms: number;
  timings_ms: Exchange["timings"];
  bytes: number;
  body_truncated: boolean;
  content_length: number | null;
  body_sha256?: string;
  redirects: { status: number; location: string | null }[];
  expectations: ExpectationResult[];
  error: { code: string; curl_exit: number; message: string; hint?: string } | null;
  /** https: TLS version, cipher and the server certificate (subject, issuer, expiry, fingerprint); null for http. */
  tls: TlsInfo | null;
  latency?: LatencyReport;
  /** The app's own log entries for this probe (server-side evidence), when the log search is on. */
  log?: LogReport;
  /** Why it failed, one line per reason. */
  reasons: string[];
  evidence: string[];
}

/** The URL as shown in evidence: a password in it is never written. */
function shownUrl(url: URL | string): string {
  const u = new URL(String(url));
  if (u.password) u.password = "***";
  return u.href;
}

function toReport(spec: ProbeSpec, ex: Exchange, attempts: number, elapsed: number): ProbeReport {
  const res = ex.response;
  const expectations = res ? evaluate(spec.expect, res) : [];
  const reasons = ex.error ? [ex.error.hint ? `${ex.error.message} (${ex.error.hint})` : ex.error.message] : [];
  reasons.push(...describeFailures(expectations));
  return {
    name: spec.name,
    result: reasons.length === 0 ? "pass" : "fail",
    url: shownUrl(spec.url),
    method: spec.method,
    resolved_address: ex.remoteAddress ?? null,
    proxy: ex.proxy ?? null,
    remote_port: ex.remotePort ?? null,
    status: res?.status ?? null,
    http_version: res?.httpVersion ?? null,
    attempts,
    elapsed_ms: elapsed,
    timings_ms: ex.timings,
    bytes: res?.body.length ?? 0,
    body_truncated: res?.truncated ?? false,
    content_length: res?.contentLength ?? null,
    redirects: ex.redirects.map((r) => ({
      status: r.status,
      location: r.rawHeaders.find((_, i, a) => i % 2 === 1 && a[i - 1]?.toLowerCase() === "location") ?? null,
    })),
    expectations,
    error: ex.error
      ? {
          code: ex.error.code,
          curl_exit: ex.error.curlExit,
          message: ex.error.message,
          ...(ex.error.hint ? { hint: ex.error.hint } : {}),
        }
      : null,
    tls: ex.tls ?? null,
    reasons,
    evidence: [],
  };
}

class ProbeEvidence {
  constructor(
    private readonly writer: EvidenceWriter,
    private readonly redact: (t: string) => string,
    private readonly maxBodyBytes: number,
  ) {}

  /** Rewritten after every attempt, so a run killed mid-retry still leaves its last attempt. */
  write(report: ProbeReport, ex: Exchange): void {
    const binName = `${report.name}_body`;
    const log = curlLog(ex, {
      maxBodyBytes: this.maxBodyBytes,
      binaryFileName: this.writer.path(binName, "bin").split(/[\\/]/).pop() ?? "",
    });
    const files = [this.writer.write(report.name, "log", this.redact(log.text))];
    if (log.binaryBody) {
      files.push(this.writer.write(binName, "bin", log.binaryBody));
      report.body_sha256 = log.bodySha256 as string;
    } else {
      // An earlier attempt's binary body must not pass for this attempt's.
      rmSync(this.writer.path(binName, "bin"), { force: true });
    }
    files.push(this.writer.path(`${report.name}_json_line`, "log"));
    if (report.log) files.push(report.log.evidence);
    report.evidence = files;
    const { evidence: _e, latency, ...line } = report;
    const lineLatency = latency ? { ...latency, samples_ms: undefined } : undefined;
    const json = JSON.stringify({ timestamp: this.writer.ts, ...line, latency: lineLatency });
    this.writer.write(`${report.name}_json_line`, "log", `${this.redact(json)}\n`);
  }
}

/** One attempt: its report and the exchange behind it. */
interface Attempt {
  report: ProbeReport;
  ex: Exchange;
}

/** The correlation header, unless the probe sets that header itself (then its own value goes out, uncorrelated). */
function correlationHeader(spec: ProbeSpec, inputs: ProbeInputs): string | undefined {
  const name = inputs.correlation.header;
  if (!name) return undefined;
  return Object.keys(spec.headers).some((h) => h.toLowerCase() === name.toLowerCase()) ? undefined : name;
}

async function runProbe(
  spec: ProbeSpec,
  inputs: ProbeInputs,
  deps: ProbeDeps,
  evidence: ProbeEvidence,
): Promise<ProbedRun> {
  const header = correlationHeader(spec, inputs);
  const requestIds: string[] = [];
  const opts: ExchangeOptions = {
    method: spec.method,
    headers: spec.headers,
    timeoutMs: inputs.timeoutMs,
    maxBodyBytes: inputs.maxBodyBytes,
    insecure: inputs.insecure,
    followRedirects: inputs.followRedirects,
    resolve: inputs.resolve,
  };
  if (inputs.ca) opts.ca = inputs.ca;
  if (spec.body !== undefined) opts.body = spec.body;
  if (inputs.proxy) opts.proxy = inputs.proxy;
  const via = proxyFor(spec.url, inputs.proxy);
  const pinned = resolvedAddress(spec.url, inputs.resolve);
  const route = via
    ? ` (through proxy ${shownProxy(via)}${pinned ? `; 'resolve' does not apply through a proxy, as with curl` : ""})`
    : pinned
      ? ` (resolved to ${pinned})`
      : "";
  deps.log.info(
    `${spec.name}: ${spec.method} ${shownUrl(spec.url)}${route}, expecting status ${spec.expect.statusText}`,
  );
  const started = deps.clock.now();
  let attempts = 0;
  // One attempt is one look of the waiter: done when the expectations hold, else another attempt (every failure
  // may pass on a later one, so none ends the wait early).
  const attempt = async (): Promise<Look<Attempt, Attempt>> => {
    attempts++;
    if (header) {
      // <run-id>-<probe>-<attempt>: the app logs it, so its log line can be told from every other request's.
      const id = `${inputs.correlation.runId}-${spec.name}-${attempts}`;
      requestIds.push(id);
      opts.headers = { ...spec.headers, [header]: id };
    }
    const ex = await deps.exchange(spec.url, opts);
    const report = toReport(spec, ex, attempts, deps.clock.now() - started);
    // Evidence first: whatever happens next, this attempt is on disk.
    evidence.write(report, ex);
    const seen = ex.response ? `HTTP ${ex.response.status}` : (ex.error?.code ?? "no response");
    deps.log.info(
      `  attempt ${attempts}: ${seen} in ${ex.timings.total} ms${report.result === "pass" ? " - expectations hold" : ` - ${report.reasons.join("; ")}`}`,
    );
    if (report.result !== "pass") return notYet(`attempt ${attempts}: ${seen}`, { report, ex });
    if (inputs.latencySamples > 0) {
      const sampled = await sampleLatency(spec, inputs, deps, opts);
      report.latency = sampled.latency;
      if (sampled.check) report.expectations.push(sampled.check);
      report.reasons.push(...sampled.reasons);
      if (sampled.reasons.length > 0) report.result = "fail";
      deps.log.info(
        `  latency over ${sampled.latency.samples} requests: p50 ${sampled.latency.p50_ms} ms, p90 ${sampled.latency.p90_ms} ms, p99 ${sampled.latency.p99_ms} ms`,
      );
      evidence.write(report, ex);
    }
    return done({ report, ex });
  };
  // Attempts every interval; the last one at the deadline, never after it (the wait cuts its last pause short).
  const waited = await waitFor(
    {
      what: `${spec.name}'s expectations`,
      timeoutMs: inputs.deadlineMs,
      // The waiter needs a pause: 'interval-seconds: 0' is 1 ms, as Node's setTimeout(0) already was.
      minDelayMs: Math.max(1, inputs.intervalMs),
      maxDelayMs: Math.max(1, inputs.intervalMs),
      lastLook: "at-deadline",
    },
    attempt,
  );
  // No attempt fails the wait: at the deadline it ends with the last attempt, which every attempt not done carries.
  const last = waited.state === WaiterState.SUCCESS ? waited.value : (waited.seen as Attempt);
  return {
    spec,
    report: last.report,
    exchange: last.ex,
    query: logQuery(inputs, spec, requestIds, started, deps.clock.now()),
  };
}

export async function run(inputs: ProbeInputs, deps: ProbeDeps): Promise<ActionResult> {
  // The header and body values the probe sends are masked in everything shown, before anything is logged.
  for (const secret of inputs.secrets) deps.log.secret(secret);
  const ts = deps.timestamp ?? evidenceTimestamp();
  // A log group that cannot be searched is known before any file or request (and fails the step if expected).
  const search: LogSearch | undefined = await prepareLogSearch(inputs, deps);
  // Find out now, not after two minutes of retries, that the evidence cannot be kept.
  try {
    mkdirSync(inputs.evidenceDir, { recursive: true });
    accessSync(inputs.evidenceDir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError(
      "evidence-dir",
      `'${inputs.evidenceDir}' cannot be created or written (${code}).`,
      "Point it at a writable directory in the workspace.",
    );
  }
  const writer = new EvidenceWriter(inputs.evidenceDir, ts);
  const redact = redactor(inputs.secrets, 3);
  const evidence = new ProbeEvidence(writer, redact, inputs.maxBodyBytes);
  const startedAt = new Date(deps.clock.now()).toISOString();
  const runs: ProbedRun[] = [];
  for (const spec of inputs.probes) runs.push(await runProbe(spec, inputs, deps, evidence));
  if (search) {
    await addServerEvidence(runs, search, inputs, deps, writer, redact, (r, ex) => evidence.write(r, ex));
  }
  const reports = runs.map((r) => r.report);

  const failed = reports.filter((r) => r.result === "fail");
  const result = failed.length === 0 ? "pass" : "fail";
  const summary = {
    result,
    timestamp: ts,
    started_at: startedAt,
    finished_at: new Date(deps.clock.now()).toISOString(),
    settings: {
      timeout_seconds: inputs.timeoutMs / 1000,
      deadline_seconds: inputs.deadlineMs / 1000,
      interval_seconds: inputs.intervalMs / 1000,
      max_body_bytes: inputs.maxBodyBytes,
      follow_redirects: inputs.followRedirects,
      insecure: inputs.insecure,
      ca_file: inputs.caFile ?? null,
      resolve: inputs.resolve.map((r) => `${r.host}:${r.port}:${r.address}`),
      proxy: inputs.proxy
        ? {
            http: inputs.proxy.http ? shownProxy(inputs.proxy.http) : null,
            https: inputs.proxy.https ? shownProxy(inputs.proxy.https) : null,
            no_proxy: inputs.proxy.noProxy,
          }
        : null,
      latency_samples: inputs.latencySamples,
      latency_p90_max_ms: inputs.latencyP90MaxMs ?? null,
      request_id_header: inputs.correlation.header ?? null,
      run_id: inputs.correlation.runId,
      log_search: inputs.logs
        ? {
            log_group: search?.target.group ?? null,
            source: search?.target.source ?? null,
            log_stream_prefix: search?.target.streamPrefix ?? null,
            wait_seconds: inputs.logs.waitMs / 1000,
            expect_log: inputs.logs.expectLog,
          }
        : null,
    },
    probes: reports,
  };
  const summaryPath = writer.write("probe_summary", "json", redact(`${JSON.stringify(summary, null, 2)}\n`));

  const files = [...reports.flatMap((r) => r.evidence), summaryPath];
  await deps.summary.write(redact(summaryMarkdown(reports, result, files)));

  const report = {
    result,
    timestamp: ts,
    probes: reports.map((r) => ({
      name: r.name,
      url: r.url,
      result: r.result,
      status: r.status,
      attempts: r.attempts,
      total_ms: r.timings_ms.total,
      error: r.error?.code ?? null,
      reasons: r.reasons,
      ...(r.log
        ? {
            log: {
              matched_by: r.log.matched_by,
              events: r.log.events,
              task_ids: r.log.task_ids,
              answered_by: r.log.answered_by?.task_id ?? r.log.answered_by?.log_stream ?? null,
            },
          }
        : {}),
      ...(r.latency
        ? { latency: { p50_ms: r.latency.p50_ms, p90_ms: r.latency.p90_ms, p99_ms: r.latency.p99_ms } }
        : {}),
    })),
  };
  const outputs = { result, report: JSON.parse(redact(JSON.stringify(report))), "evidence-files": files.join("\n") };
  if (failed.length === 0) {
    deps.log.info(`All ${reports.length} probe(s) passed. Evidence: ${inputs.evidenceDir}`);
    return { outputs };
  }
  const lines = failed.map(
    (r) => `${r.name} (${r.url}) after ${r.attempts} attempt(s): ${redact(r.reasons.join("; "))}`,
  );
  for (const [i, r] of failed.entries()) {
    deps.log.annotation(
      inputs.failOn === "never" ? "warning" : "error",
      `${lines[i]}. Evidence: ${r.evidence[0] ?? inputs.evidenceDir}`,
      { title: `Probe ${r.name} failed` },
    );
  }
  const message = `${failed.length} of ${reports.length} probe(s) failed: ${lines.join(" | ")}. Expected every probe's expectations to hold before the deadline; the evidence files show what the service answered (${inputs.evidenceDir}).`;
  if (inputs.failOn === "never") {
    deps.log.info(`fail-on is 'never', so the step passes: ${message}`);
    return { outputs };
  }
  return { outputs, failure: message };
}
