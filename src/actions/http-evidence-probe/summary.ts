import { escapeText, tableCell } from "../../lib/report-markdown";
import type { ProbeReport } from "./run";

/**
 * Untrusted text (a server's reason, a value from the body, a URL) as inert table-cell text: report-markdown's
 * escapeText (every token that could be markup, a mention or an autolink such as `www.evil.example/fix` becomes a
 * code span), with `|` escaped as GFM reads it even inside a span.
 */
function cell(text: string, max = 160): string {
  return tableCell(escapeText(text, max));
}

function expectationsCell(r: ProbeReport): string {
  if (r.expectations.length === 0) return r.error ? cell(r.error.message) : "";
  return r.expectations
    .map(
      (e) => `${e.pass ? "✅" : "❌"} ${cell(e.name)}${e.pass ? "" : ` (got ${cell(JSON.stringify(e.actual), 60)})`}`,
    )
    .join("<br>");
}

/** The job summary: one row per probe, latency when sampled, the evidence files. */
export function summaryMarkdown(reports: ProbeReport[], result: "pass" | "fail", files: string[]): string {
  const lines = [
    `## http-evidence-probe: ${result === "pass" ? "✅ pass" : "❌ fail"}`,
    "",
    "| probe | URL | status | attempts | total ms | expectations | result |",
    "| --- | --- | --- | ---: | ---: | --- | --- |",
  ];
  for (const r of reports) {
    const status = r.status !== null ? String(r.status) : cell(r.error?.code ?? "no response");
    lines.push(
      `| ${cell(r.name)} | ${cell(r.url)} | ${status} | ${r.attempts} | ${r.timings_ms.total} | ${expectationsCell(r)} | ${r.result === "pass" ? "✅ pass" : "❌ fail"} |`,
    );
  }
  const sampled = reports.filter((r) => r.latency);
  if (sampled.length > 0) {
    lines.push(
      "",
      "| probe | samples | p50 ms | p90 ms | p99 ms | p90 budget ms |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const r of sampled) {
      const l = r.latency as NonNullable<ProbeReport["latency"]>;
      lines.push(
        `| ${cell(r.name)} | ${l.samples} | ${l.p50_ms} | ${l.p90_ms} | ${l.p99_ms} | ${l.budget_p90_ms ?? "none"} |`,
      );
    }
  }
  const logged = reports.filter((r) => r.log);
  if (logged.length > 0) {
    lines.push(
      "",
      `Server-side evidence: the app's own log entries in ${escapeText(logged[0]?.log?.group ?? "")}`,
      "",
      "| probe | log entries | matched by | answered by (task) |",
      "| --- | ---: | --- | --- |",
    );
    for (const r of logged) {
      const l = r.log as NonNullable<ProbeReport["log"]>;
      const task = l.answered_by?.task_id ?? l.answered_by?.log_stream ?? "";
      lines.push(`| ${cell(r.name)} | ${l.events} | ${l.matched_by} | ${cell(task)} |`);
    }
  }
  lines.push(
    "",
    "<details><summary>Evidence files</summary>",
    "",
    ...files.map((f) => `- ${escapeText(f, 300)}`),
    "",
    "</details>",
    "",
  );
  return lines.join("\n");
}
