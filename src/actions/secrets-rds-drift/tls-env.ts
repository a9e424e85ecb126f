import type { ContainerDefinition, TaskDefinition } from "@aws-sdk/client-ecs";

/**
 * Does a container's environment make its database client insist on TLS?
 * `rds.force_ssl=1` makes the server refuse plaintext, so an app whose driver
 * does not ask for TLS (node-postgres does not, by default) cannot connect: the
 * "connected without TLS" rollback. Only names and modes are ever reported —
 * a DATABASE_URL can carry a password.
 */
export interface ContainerTls {
  container: string;
  verdict: "matches" | "differs" | "missing";
  /** What was found, without values: `PGSSLMODE=require`, `DATABASE_URL (sslmode=disable)`. */
  settings: string[];
}

const STRONG = new Set([
  "require",
  "verify-ca",
  "verify-full",
  "required",
  "verify_ca",
  "verify_identity",
  "true",
  "1",
]);
const SSLMODE_NAME = /SSL_?MODE$/i;
const IN_VALUE = /(?:^|[?&\s;])(sslmode|ssl-mode|ssl_mode|ssl)=([A-Za-z_-]+)/i;

function classify(mode: string): "strong" | "weak" {
  return STRONG.has(mode.toLowerCase()) ? "strong" : "weak";
}

export function containerTls(container: ContainerDefinition): ContainerTls {
  const found: { label: string; strength: "strong" | "weak" }[] = [];
  for (const { name, value } of container.environment ?? []) {
    if (!name) continue;
    if (SSLMODE_NAME.test(name) && value) {
      found.push({ label: `${name}=${value.slice(0, 20)}`, strength: classify(value.trim()) });
      continue;
    }
    const m = value ? IN_VALUE.exec(value) : null;
    if (m?.[1] && m[2]) found.push({ label: `${name} (${m[1]}=${m[2]})`, strength: classify(m[2]) });
  }
  // A mode that comes from a secret cannot be read here; count it as asked for, and say so.
  for (const { name } of container.secrets ?? []) {
    if (name && SSLMODE_NAME.test(name))
      found.push({ label: `${name} (from a secret, value not checked)`, strength: "strong" });
  }
  const settings = found.map((f) => f.label);
  const name = container.name ?? "(unnamed)";
  if (found.length === 0) return { container: name, verdict: "missing", settings };
  // One weak setting is enough to break it: libpq reads PGSSLMODE only when the URL has no sslmode.
  const verdict = found.every((f) => f.strength === "strong") ? "matches" : "differs";
  return { container: name, verdict, settings };
}

/**
 * The containers that talk to this database: those that reference the secret
 * in `secrets[].valueFrom` (by ARN or name), else every container.
 */
export function databaseContainers(
  td: TaskDefinition,
  secretArn: string | undefined,
  secretName: string | undefined,
): ContainerDefinition[] {
  const all = td.containerDefinitions ?? [];
  const refs = (valueFrom: string) =>
    (secretArn !== undefined && valueFrom.startsWith(secretArn)) ||
    (secretName !== undefined && (valueFrom === secretName || valueFrom.includes(`:secret:${secretName}`)));
  const using = all.filter((c) => (c.secrets ?? []).some((s) => s.valueFrom && refs(s.valueFrom)));
  return using.length > 0 ? using : all;
}
