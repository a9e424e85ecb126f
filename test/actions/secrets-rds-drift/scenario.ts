/** Shared pieces of the secrets-rds-drift end-to-end tests: the team's DB, its secret, and what must never leak. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Scenario } from "../../emulator/types";
import type { RunResult } from "../../harness/runner";

export const HOST = "papyrus-db.c9akciq32xyz.us-west-2.rds.amazonaws.com";
export const PASSWORD = "Pw-7c1e4b9a2f-papyrus";
export const USERNAME = "papyrus_admin";

export function secretValue(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    engine: "postgres",
    host: HOST,
    port: 5432,
    dbname: "papyrus",
    username: USERNAME,
    password: PASSWORD,
    ...over,
  };
}

/** An RDS for PostgreSQL 16 instance with rds.force_ssl=1, and its secret. */
export function scenario(
  opts: { secret?: Record<string, unknown>; instance?: Record<string, unknown> } = {},
): Scenario {
  return {
    secretsmanager: { secrets: [{ name: "papyrus/prd/db", value: opts.secret ?? secretValue(), arnSuffix: "AbCdEf" }] },
    rds: {
      parameterGroups: [{ name: "papyrus-pg16", family: "postgres16", parameters: { "rds.force_ssl": 1 } }],
      instances: [
        {
          id: "papyrus-db",
          engine: "postgres",
          engineVersion: "16.3",
          dbName: "papyrus",
          masterUsername: USERNAME,
          address: HOST,
          port: 5432,
          parameterGroup: "papyrus-pg16",
          ...opts.instance,
        },
      ],
    },
  };
}

/** Everything that leaves the step (stdout minus the runner's own ::add-mask:: commands, outputs, summary, evidence). */
export function everythingVisible(result: RunResult): string {
  const stdout = result.stdout
    .split("\n")
    .filter((l) => !l.startsWith("::add-mask::"))
    .join("\n");
  const dir = join(result.workspace, "evidence");
  let evidence: string[] = [];
  try {
    evidence = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8"));
  } catch {
    evidence = [];
  }
  return [stdout, result.stderr, JSON.stringify(result.outputs), result.summary, ...evidence].join("\n");
}

export function evidenceFiles(result: RunResult): string[] {
  try {
    return readdirSync(join(result.workspace, "evidence"));
  } catch {
    return [];
  }
}
