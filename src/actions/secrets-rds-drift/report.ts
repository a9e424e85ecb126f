import { code, escapeText, table } from "../../lib/report-markdown";
import type { DriftRow, Verdict } from "./compare";
import type { PgLoginResult } from "./pg-login";
import type { ForceSsl } from "./rds";
import type { ContainerTls } from "./tls-env";

/** Everything this step found; the evidence and the output mask its account IDs, the summary and the comment are masked where they are written (lib/job-report.ts). */
export interface DriftReport {
  action: "secrets-rds-drift";
  version: string;
  timestamp: string;
  region: string;
  result: "pass" | "drift";
  secret: {
    id: string;
    arn: string;
    owningService?: string;
    /** Which key each field was read from: names only, never values. */
    keys: Record<string, string>;
  };
  target: {
    kind: "instance" | "cluster";
    identifier: string;
    arn?: string;
    source: string;
    engine: string;
    engineVersion?: string;
    status?: string;
    endpoints: { address: string; role: string }[];
    port?: number;
  };
  rows: DriftRow[];
  tls?: { forceSsl: ForceSsl; taskDefinition: string; containers: ContainerTls[] };
  login?: PgLoginResult & { host: string; port: number };
  comment?: string;
}

const ICON: Record<Verdict, string> = {
  matches: "✅",
  differs: "❌",
  missing: "❌",
  "from-rds": "➖",
  "not-required": "➖",
  unknown: "⚠️",
};

/** The `drift` output: field names and verdicts, nothing else. */
export function driftOutput(rows: readonly DriftRow[]): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  for (const row of rows) out[row.field] = row.verdict;
  return out;
}

function verdictCell(row: DriftRow): string {
  const icon = row.verdict === "missing" && !row.drift ? "⚠️" : ICON[row.verdict];
  return `${icon} ${row.verdict}`;
}

export function renderMarkdown(report: DriftReport): string {
  const t = report.target;
  const heading =
    report.result === "pass"
      ? "### ✅ secrets-rds-drift: the secret agrees with RDS"
      : `### ❌ secrets-rds-drift: drift in ${report.rows
          .filter((r) => r.drift)
          .map((r) => code(r.field))
          .join(", ")}`;
  const lines = [
    heading,
    "",
    `Secret ${code(report.secret.id)} compared with RDS ${t.kind} ${code(t.identifier)} (${escapeText(t.engine)}${t.engineVersion ? ` ${escapeText(t.engineVersion)}` : ""}${t.status ? `, ${escapeText(t.status)}` : ""}), found by the ${escapeText(report.target.source)}, in ${escapeText(report.region)}.`,
    "",
    table(
      ["field", "verdict", "RDS side", "detail"],
      report.rows.map((r) => [
        code(r.field),
        verdictCell(r),
        r.rds ? code(r.rds) : "",
        r.detail ? escapeText(r.detail, 600) : "",
      ]),
    ),
    "",
  ];
  if (report.login) {
    const l = report.login;
    const what =
      l.outcome === "success"
        ? `✅ logged in with the secret's credentials over ${escapeText(l.tlsProtocol ?? "TLS")} (${escapeText(l.authMethod ?? "")})`
        : `${l.outcome === "rejected" || l.outcome === "tls-unavailable" ? "❌" : "⚠️"} ${escapeText(l.outcome)}: ${l.sqlstate ? `${code(l.sqlstate)} ` : ""}${escapeText(l.message, 600)}`;
    lines.push(`**Login check** (${code(`${l.host}:${l.port}`)}): ${what}`, "");
  }
  if (report.tls) {
    lines.push(
      `**TLS**: task definition ${code(report.tls.taskDefinition)}; containers checked: ${report.tls.containers.map((c) => `${code(c.container)} ${ICON[c.verdict === "matches" ? "matches" : "differs"]}`).join(", ") || "none"}.`,
      "",
    );
  }
  lines.push(
    "<sub>Secret values are never shown: the secret side is reported as a verdict only, RDS endpoints and account IDs are masked.</sub>",
  );
  return lines.join("\n");
}
