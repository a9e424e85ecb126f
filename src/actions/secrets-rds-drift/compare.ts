import type { DbTarget, ForceSsl } from "./rds";
import { normalizeHost } from "./rds";
import type { SecretContents } from "./secret";
import type { ContainerTls } from "./tls-env";

/**
 * matches / differs / missing are the verdicts on the secret's own fields;
 * `from-rds` — an RDS-managed master secret holds only credentials, the rest
 * comes from RDS; `not-required` — a TLS setting the DB does not force;
 * `unknown` — could not be decided (reason in the detail).
 */
export type Verdict = "matches" | "differs" | "missing" | "from-rds" | "not-required" | "unknown";

export interface DriftRow {
  field: string;
  verdict: Verdict;
  /** Counts as drift (fails the step with fail-on: drift). */
  drift: boolean;
  /** The RDS side, shown: hosts masked, never a value that came from the secret. */
  rds?: string;
  detail?: string;
}

export type EngineFamily = "postgres" | "mysql" | "oracle" | "sqlserver" | "db2" | "other";

export function engineFamily(engine: string): EngineFamily {
  const e = engine.trim().toLowerCase();
  if (e === "postgres" || e === "postgresql" || e === "aurora-postgresql") return "postgres";
  if (e === "mysql" || e === "aurora-mysql" || e === "aurora" || e === "mariadb") return "mysql";
  if (e.startsWith("oracle")) return "oracle";
  if (e.startsWith("sqlserver")) return "sqlserver";
  if (e.startsWith("db2")) return "db2";
  return "other";
}

/** Port as RDS writes it (a number) or as humans do (a string, maybe with spaces). */
export function parsePort(value: string): number | undefined {
  const trimmed = value.trim();
  if (!/^\d{1,5}$/.test(trimmed)) return undefined;
  const port = Number(trimmed);
  return port >= 1 && port <= 65535 ? port : undefined;
}

export interface ManagedSecretState {
  /** The secret in use is the DB's current `MasterUserSecret`. */
  isCurrentMasterSecret: boolean;
  /** The secret is owned by RDS (DescribeSecret OwningService = rds). */
  ownedByRds: boolean;
}

export function compareFields(
  secret: SecretContents,
  target: DbTarget,
  managed: ManagedSecretState,
  maskHost: (host: string) => string,
): DriftRow[] {
  const rows: DriftRow[] = [];
  const fromRds = managed.isCurrentMasterSecret;
  const s = secret.values;

  const hosts = target.endpoints.map((e) => `${maskHost(e.address)} (${e.role})`).join(", ");
  if (s.host === undefined) {
    rows.push(
      fromRds
        ? { field: "host", verdict: "from-rds", drift: false, rds: hosts }
        : { field: "host", verdict: "missing", drift: true, rds: hosts },
    );
  } else {
    const hit = target.endpoints.find((e) => normalizeHost(e.address) === normalizeHost(s.host ?? ""));
    rows.push(
      hit
        ? { field: "host", verdict: "matches", drift: false, rds: hosts, detail: `the ${hit.role} endpoint` }
        : {
            field: "host",
            verdict: "differs",
            drift: true,
            rds: hosts,
            detail: `not an endpoint of this ${target.kind}`,
          },
    );
  }

  const rdsPort = target.port === undefined ? undefined : String(target.port);
  if (s.port === undefined) {
    rows.push({
      field: "port",
      verdict: fromRds ? "from-rds" : "missing",
      drift: !fromRds,
      ...(rdsPort ? { rds: rdsPort } : {}),
    });
  } else {
    const port = parsePort(s.port);
    const verdict: Verdict = port !== undefined && port === target.port ? "matches" : "differs";
    const row: DriftRow = {
      field: "port",
      verdict,
      drift: verdict === "differs",
      ...(rdsPort ? { rds: rdsPort } : {}),
    };
    if (port === undefined) row.detail = "the secret's port is not a port number";
    rows.push(row);
  }

  if (s.dbname === undefined) {
    if (fromRds) rows.push({ field: "dbname", verdict: "from-rds", drift: false });
    else if (target.dbName === undefined)
      rows.push({ field: "dbname", verdict: "matches", drift: false, detail: "neither names a database" });
    else rows.push({ field: "dbname", verdict: "missing", drift: true });
  } else if (target.dbName === undefined) {
    rows.push({
      field: "dbname",
      verdict: "unknown",
      drift: false,
      detail: `the ${target.kind} reports no initial database name; connect-check proves whether the secret's database exists`,
    });
  } else {
    const same = s.dbname === target.dbName;
    rows.push({ field: "dbname", verdict: same ? "matches" : "differs", drift: !same });
  }

  if (s.username === undefined) rows.push({ field: "username", verdict: "missing", drift: true });
  else if (target.masterUsername === undefined)
    rows.push({ field: "username", verdict: "unknown", drift: false, detail: "RDS reports no master user name" });
  else {
    const same = s.username === target.masterUsername;
    rows.push({
      field: "username",
      verdict: same ? "matches" : "differs",
      drift: !same,
      ...(same ? {} : { detail: "not the master user name" }),
    });
  }

  if (s.engine === undefined) {
    rows.push({
      field: "engine",
      verdict: "missing",
      drift: false,
      rds: target.engine,
      detail: "optional: the secret names no engine",
    });
  } else {
    const same = engineFamily(s.engine) === engineFamily(target.engine) && engineFamily(target.engine) !== "other";
    const exact = s.engine.trim().toLowerCase() === target.engine.toLowerCase();
    const row: DriftRow = {
      field: "engine",
      verdict: same || exact ? "matches" : "differs",
      drift: !(same || exact),
      rds: target.engine,
    };
    if (same && !exact) row.detail = `same family (${engineFamily(target.engine)})`;
    rows.push(row);
  }
  return rows;
}

/** The RDS-managed master secret rows: only when RDS manages the password or the secret belongs to RDS. */
export function compareManagedSecret(target: DbTarget, managed: ManagedSecretState): DriftRow[] {
  const current = target.masterUserSecret;
  if (!current && !managed.ownedByRds) return [];
  if (!current) {
    return [
      {
        field: "master-secret",
        verdict: "differs",
        drift: true,
        detail: `this RDS-managed secret belongs to another DB or to a retired one: the ${target.kind} does not manage its master password in Secrets Manager`,
      },
    ];
  }
  if (!managed.isCurrentMasterSecret) {
    return [
      {
        field: "master-secret",
        verdict: "differs",
        drift: true,
        rds: current.arn,
        detail: `the ${target.kind}'s current master user secret is another secret${managed.ownedByRds ? " (this one is stale)" : ""}`,
      },
    ];
  }
  const active = (current.status ?? "").toLowerCase() === "active";
  return [
    { field: "master-secret", verdict: "matches", drift: false, detail: "the current MasterUserSecret" },
    {
      field: "master-secret-status",
      verdict: active ? "matches" : "differs",
      drift: !active,
      rds: current.status ?? "(none)",
      ...(active ? {} : { detail: "expected active" }),
    },
  ];
}

export function compareTls(forceSsl: ForceSsl, containers: ContainerTls[]): DriftRow {
  const where = forceSsl.parameterGroup
    ? `${forceSsl.parameter ?? "rds.force_ssl"}=${forceSsl.value ?? "(default)"} in ${forceSsl.parameterGroup}`
    : "no parameter group";
  const lacking = containers.filter((c) => c.verdict !== "matches");
  const describe = (c: ContainerTls) =>
    `${c.container}: ${c.settings.length > 0 ? c.settings.join(", ") : "no sslmode setting"}`;
  if (!forceSsl.required) {
    return {
      field: "tls",
      verdict: "not-required",
      drift: false,
      rds: where,
      detail: [forceSsl.note, ...containers.map(describe)].filter(Boolean).join("; "),
    };
  }
  if (lacking.length === 0)
    return { field: "tls", verdict: "matches", drift: false, rds: where, detail: containers.map(describe).join("; ") };
  return {
    field: "tls",
    verdict: lacking.some((c) => c.verdict === "differs") ? "differs" : "missing",
    drift: true,
    rds: where,
    detail: `the DB refuses connections without TLS, but ${lacking.map(describe).join("; ")} — set PGSSLMODE=require (or verify-full, or sslmode= in the URL)`,
  };
}
