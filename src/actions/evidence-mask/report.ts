import { code, escapeText, table } from "../../lib/report-markdown";
import { VERSION } from "../../lib/version";
import type { Mode } from "./inputs";
import type { FileScan } from "./stream";

export type MaskResult = "clean" | "masked" | "failed";

export interface FileOutcome {
  /** Relative to the workspace. */
  path: string;
  bytes: number;
  binary: boolean;
  rewritten: boolean;
  /** Values replaced, per rule. */
  masked: Record<string, number>;
  /** Values still found by the verification scan (or in a binary file), per rule, with the first line. */
  remaining: Record<string, { count: number; line: number }>;
}

export interface MaskReport {
  tool: "evidence-mask";
  version: string;
  timestamp: string;
  mode: Mode;
  result: MaskResult;
  rules: string[];
  maskedCount: number;
  remainingCount: number;
  files: FileOutcome[];
  totals: { masked: Record<string, number>; remaining: Record<string, number> };
  skipped: { path: string; reason: string }[];
  /** Secret fields too short to mask (names only): the step fails on any. */
  unmaskable: { secretId: string; field: string | undefined }[];
}

export function remainingOf(scan: Pick<FileScan, "counts" | "firstLine">): FileOutcome["remaining"] {
  const out: FileOutcome["remaining"] = {};
  for (const [rule, count] of Object.entries(scan.counts)) out[rule] = { count, line: scan.firstLine[rule] ?? 1 };
  return out;
}

export function buildReport(opts: {
  timestamp: string;
  mode: Mode;
  rules: string[];
  files: FileOutcome[];
  skipped: MaskReport["skipped"];
  unmaskable?: MaskReport["unmaskable"];
}): MaskReport {
  const masked: Record<string, number> = {};
  const remaining: Record<string, number> = {};
  for (const f of opts.files) {
    for (const [rule, n] of Object.entries(f.masked)) masked[rule] = (masked[rule] ?? 0) + n;
    for (const [rule, r] of Object.entries(f.remaining)) remaining[rule] = (remaining[rule] ?? 0) + r.count;
  }
  const maskedCount = Object.values(masked).reduce((a, b) => a + b, 0);
  const remainingCount = Object.values(remaining).reduce((a, b) => a + b, 0);
  const unmaskable = opts.unmaskable ?? [];
  const result: MaskResult =
    remainingCount > 0 || unmaskable.length > 0 ? "failed" : maskedCount > 0 ? "masked" : "clean";
  return {
    tool: "evidence-mask",
    version: VERSION,
    timestamp: opts.timestamp,
    mode: opts.mode,
    result,
    rules: opts.rules,
    maskedCount,
    remainingCount,
    files: opts.files,
    totals: { masked, remaining },
    skipped: opts.skipped,
    unmaskable,
  };
}

/** One line per file and rule still found; names the file, line and rule, never the value. */
export function findingLines(report: MaskReport): { file: string; line: number; message: string }[] {
  const out: { file: string; line: number; message: string }[] = [];
  for (const f of report.files) {
    for (const [rule, r] of Object.entries(f.remaining)) {
      const what = f.binary
        ? `binary file holds ${r.count} value(s) matched by rule '${rule}'; binary files are never rewritten`
        : `${r.count} value(s) matched by rule '${rule}' are still present`;
      out.push({ file: f.path, line: r.line, message: `${f.path}:${r.line}: ${what}` });
    }
  }
  return out;
}

export function summaryMarkdown(
  report: MaskReport,
  artifact: { name: string; id: number; url: string; digest: string } | undefined,
): string {
  const icon = report.result === "failed" ? "❌" : "✅";
  // File names are whatever is in the evidence folder (a fork's pull request can put files there): each is a
  // code span, so a name like `[Signed](https://…).log` or one holding a newline stays text.
  const rows: string[][] = [];
  for (const f of report.files) {
    const rules = new Set([...Object.keys(f.masked), ...Object.keys(f.remaining)]);
    const label = `${code(f.path, 500)}${f.binary ? " (binary)" : ""}`;
    if (rules.size === 0) rows.push([label, "—", "0", "0"]);
    for (const rule of [...rules].sort()) {
      rows.push([label, escapeText(rule), String(f.masked[rule] ?? 0), String(f.remaining[rule]?.count ?? 0)]);
    }
  }
  const lines = [
    `## evidence-mask ${icon} ${report.result}`,
    "",
    `Mode \`${report.mode}\`: ${report.maskedCount} value(s) masked, ${report.remainingCount} still found, in ${report.files.length} file(s).`,
    "",
    table(["File", "Rule", "Masked", "Still found"], rows),
  ];
  for (const s of report.skipped) lines.push("", `Skipped ${code(s.path, 500)}: ${escapeText(s.reason, 500)}`);
  for (const u of report.unmaskable) {
    const what = u.field === undefined ? "its whole value" : `field ${code(u.field)}`;
    lines.push("", `Secret ${code(u.secretId)}, ${what}: too short to mask; rotate it to a longer value.`);
  }
  if (artifact) {
    lines.push("", `Uploaded artifact [\`${artifact.name}\`](${artifact.url}) (id ${artifact.id}).`);
    if (artifact.digest) lines.push("", `Digest: \`sha256:${artifact.digest}\``);
  }
  return `${lines.join("\n")}\n`;
}
