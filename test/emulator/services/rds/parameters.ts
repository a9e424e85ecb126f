/**
 * DB parameter groups and DB cluster parameter groups with a small catalogue
 * of real parameters per engine: the ones a TLS/drift check reads
 * (`rds.force_ssl`, `require_secure_transport`, `ssl_min_protocol_version`)
 * and a few common others, with their apply types and engine defaults.
 */
import { AwsError } from "../../errors";
import type { Params } from "../../types";

export interface ParameterDefinition {
  name: string;
  description: string;
  applyType: "static" | "dynamic";
  dataType: "boolean" | "integer" | "string" | "list";
  allowedValues?: string;
  /** Engine default, by family (undefined: no value shown). */
  defaultValue?: (family: string) => string | undefined;
  source?: "engine-default" | "system";
  isModifiable?: boolean;
}

export interface ParameterGroup {
  name: string;
  family: string;
  description: string;
  kind: "db" | "cluster";
  /** ParameterName -> [value, apply method] set by the user. */
  values: Map<string, { value: string; applyMethod: string }>;
  isDefault: boolean;
  tags: Params[];
  seeded: boolean;
}

const majorOf = (family: string) => Number(/(\d+)(?:\.\d+)?$/.exec(family)?.[1] ?? 0);

const POSTGRES: ParameterDefinition[] = [
  {
    name: "rds.force_ssl",
    description: "Force SSL connections.",
    applyType: "dynamic",
    dataType: "boolean",
    allowedValues: "0,1",
    // PostgreSQL 15 and later default to 1 on RDS.
    defaultValue: (family) => (family.startsWith("postgres") && majorOf(family) >= 15 ? "1" : "0"),
  },
  {
    name: "ssl_min_protocol_version",
    description: "Sets the minimum SSL/TLS protocol version to use.",
    applyType: "dynamic",
    dataType: "string",
    allowedValues: "TLSv1,TLSv1.1,TLSv1.2,TLSv1.3",
    defaultValue: () => "TLSv1.2",
  },
  {
    name: "ssl",
    description: "Enables SSL connections.",
    applyType: "dynamic",
    dataType: "boolean",
    allowedValues: "0,1",
    defaultValue: () => "1",
    source: "system",
    isModifiable: false,
  },
  {
    name: "max_connections",
    description: "Sets the maximum number of concurrent connections.",
    applyType: "static",
    dataType: "integer",
    allowedValues: "6-8388607",
    defaultValue: () => "LEAST({DBInstanceClassMemory/9531392},5000)",
  },
  {
    name: "log_min_duration_statement",
    description: "Sets the minimum execution time above which statements will be logged.",
    applyType: "dynamic",
    dataType: "integer",
    allowedValues: "-1-2147483647",
  },
  {
    name: "password_encryption",
    description: "Encrypt passwords.",
    applyType: "dynamic",
    dataType: "string",
    allowedValues: "md5,scram-sha-256",
    defaultValue: (family) => (majorOf(family) >= 14 ? "scram-sha-256" : "md5"),
  },
  {
    name: "rds.logical_replication",
    description: "Enables logical decoding.",
    applyType: "static",
    dataType: "boolean",
    allowedValues: "0,1",
    defaultValue: () => "0",
  },
  {
    name: "shared_preload_libraries",
    description: "Lists shared libraries to preload into server.",
    applyType: "static",
    dataType: "list",
    allowedValues: "auto_explain,orafce,pg_cron,pg_hint_plan,pg_stat_statements,pgaudit,pglogical",
    defaultValue: () => "pg_stat_statements",
  },
  {
    name: "timezone",
    description: "Sets the time zone for displaying and interpreting time stamps.",
    applyType: "dynamic",
    dataType: "string",
    defaultValue: () => "UTC",
  },
];

const MYSQL: ParameterDefinition[] = [
  {
    name: "require_secure_transport",
    description: "Whether client connections to the server are required to use some form of secure transport.",
    applyType: "dynamic",
    dataType: "boolean",
    allowedValues: "0,1",
    defaultValue: () => "0",
  },
  {
    name: "tls_version",
    description: "Permissible TLS protocols for encrypted connections.",
    applyType: "static",
    dataType: "string",
    allowedValues: "TLSv1.2,TLSv1.3",
    defaultValue: () => "TLSv1.2,TLSv1.3",
  },
  {
    name: "max_connections",
    description: "The number of simultaneous client connections allowed.",
    applyType: "dynamic",
    dataType: "integer",
    allowedValues: "1-100000",
    defaultValue: () => "{DBInstanceClassMemory/12582880}",
  },
  {
    name: "time_zone",
    description: "The server time zone.",
    applyType: "dynamic",
    dataType: "string",
  },
];

/**
 * More real PostgreSQL parameter names, so a group holds well over 100 of them
 * as on RDS: `rds.force_ssl` is then on the second page of
 * DescribeDBParameters, and a reader that does not follow Marker misses it.
 */
const MORE_POSTGRES = `archive_command array_nulls authentication_timeout autovacuum autovacuum_analyze_scale_factor
autovacuum_analyze_threshold autovacuum_freeze_max_age autovacuum_max_workers autovacuum_multixact_freeze_max_age
autovacuum_naptime autovacuum_vacuum_cost_delay autovacuum_vacuum_cost_limit autovacuum_vacuum_insert_scale_factor
autovacuum_vacuum_insert_threshold autovacuum_vacuum_scale_factor autovacuum_vacuum_threshold autovacuum_work_mem
backend_flush_after backslash_quote bgwriter_delay bgwriter_flush_after bgwriter_lru_maxpages bgwriter_lru_multiplier
bytea_output check_function_bodies checkpoint_completion_target checkpoint_timeout checkpoint_warning client_encoding
client_min_messages commit_delay commit_siblings constraint_exclusion cpu_index_tuple_cost cpu_operator_cost
cpu_tuple_cost cursor_tuple_fraction datestyle deadlock_timeout debug_pretty_print default_statistics_target
default_tablespace default_transaction_deferrable default_transaction_isolation default_transaction_read_only
effective_cache_size effective_io_concurrency enable_bitmapscan enable_hashagg enable_hashjoin enable_indexonlyscan
enable_indexscan enable_material enable_mergejoin enable_nestloop enable_seqscan enable_sort enable_tidscan
escape_string_warning extra_float_digits from_collapse_limit geqo geqo_effort geqo_generations geqo_pool_size geqo_seed
geqo_selection_bias geqo_threshold gin_fuzzy_search_limit hot_standby_feedback idle_in_transaction_session_timeout
intervalstyle join_collapse_limit lc_messages lc_monetary lc_numeric lc_time lock_timeout log_autovacuum_min_duration
log_checkpoints log_connections log_disconnections log_duration log_error_verbosity log_executor_stats log_filename
log_hostname log_line_prefix log_lock_waits log_min_error_statement log_min_messages log_parser_stats log_planner_stats
log_rotation_age log_rotation_size log_statement log_statement_stats log_temp_files maintenance_work_mem
max_locks_per_transaction max_parallel_workers max_parallel_workers_per_gather max_prepared_transactions
max_replication_slots max_stack_depth max_wal_senders max_wal_size max_worker_processes min_wal_size
quote_all_identifiers random_page_cost rds.log_retention_period rds.rds_superuser_reserved_connections search_path
seq_page_cost session_replication_role shared_buffers statement_timeout synchronous_commit tcp_keepalives_count
tcp_keepalives_idle tcp_keepalives_interval temp_buffers track_activities track_counts track_io_timing vacuum_cost_delay
vacuum_cost_limit wal_buffers work_mem xmloption`;

const STATIC_POSTGRES = new Set([
  "autovacuum_max_workers",
  "max_locks_per_transaction",
  "max_prepared_transactions",
  "max_replication_slots",
  "max_wal_senders",
  "max_worker_processes",
  "shared_buffers",
  "wal_buffers",
]);

const POSTGRES_ALL: ParameterDefinition[] = [
  ...POSTGRES,
  ...MORE_POSTGRES.split(/\s+/).map(
    (name): ParameterDefinition => ({
      name,
      description: `PostgreSQL setting ${name}.`,
      applyType: STATIC_POSTGRES.has(name) ? "static" : "dynamic",
      dataType: "string",
    }),
  ),
].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const MYSQL_ALL = [...MYSQL].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** A family's parameters, sorted by name as RDS lists them. */
export function catalogue(family: string): ParameterDefinition[] {
  return family.includes("mysql") || family.includes("mariadb") ? MYSQL_ALL : POSTGRES_ALL;
}

/** The default parameter group family of an engine and version: postgres 16.3 -> postgres16, mysql 8.0.35 -> mysql8.0. */
export function familyOf(engine: string, version: string): string {
  const [major = "", minor = ""] = version.split(".");
  if (engine === "aurora-mysql") return major === "2" || major === "5" ? "aurora-mysql5.7" : "aurora-mysql8.0";
  if (engine === "mysql" || engine === "mariadb") return `${engine}${major}.${minor}`;
  return `${engine}${major}`;
}

export const DEFAULT_VERSIONS: Record<string, string> = {
  postgres: "16.3",
  "aurora-postgresql": "16.2",
  mysql: "8.0.35",
  "aurora-mysql": "8.0.mysql_aurora.3.05.2",
  mariadb: "10.11.6",
};

export const groupNotFound = (group: ParameterGroup["kind"], name: string) =>
  group === "db"
    ? new AwsError("DBParameterGroupNotFound", `DBParameterGroup not found: ${name}`, 404)
    : new AwsError("DBParameterGroupNotFound", `DBClusterParameterGroup not found: ${name}`, 404);

/** One group's parameters as DescribeDBParameters / DescribeDBClusterParameters show them. */
export function describeParameters(group: ParameterGroup): Params[] {
  return catalogue(group.family).map((def) => {
    const set = group.values.get(def.name);
    const value = set?.value ?? def.defaultValue?.(group.family);
    const out: Params = {
      ParameterName: def.name,
      ...(value !== undefined ? { ParameterValue: value } : {}),
      Description: def.description,
      Source: set ? "user" : (def.source ?? "engine-default"),
      ApplyType: def.applyType,
      DataType: def.dataType,
      ...(def.allowedValues ? { AllowedValues: def.allowedValues } : {}),
      IsModifiable: def.isModifiable ?? true,
      ApplyMethod: set?.applyMethod ?? "pending-reboot",
    };
    return out;
  });
}

/** ModifyDB(Cluster)ParameterGroup's checks: known, modifiable, allowed value, apply method fits. */
export function applyModifications(group: ParameterGroup, parameters: Params[]): void {
  if (group.isDefault)
    throw new AwsError(
      "InvalidParameterValue",
      `The parameter group ${group.name} can't be modified: it is a default group.`,
    );
  if (parameters.length === 0 || parameters.length > 20)
    throw new AwsError("InvalidParameterValue", "You can modify between 1 and 20 parameters per request.");
  const changes: [string, { value: string; applyMethod: string }][] = [];
  for (const p of parameters) {
    const name = String(p.ParameterName ?? "");
    const def = catalogue(group.family).find((d) => d.name === name);
    if (!def) throw new AwsError("InvalidParameterValue", `Could not find parameter with name: ${name}`);
    if (def.isModifiable === false)
      throw new AwsError("InvalidParameterValue", `The parameter ${name} cannot be modified.`);
    const value = String(p.ParameterValue ?? "");
    if (def.dataType === "boolean" && !["0", "1"].includes(value))
      throw new AwsError("InvalidParameterValue", `Value: ${value} is outside of range: 0,1 for parameter: ${name}`);
    const applyMethod = String(p.ApplyMethod ?? "immediate");
    if (applyMethod !== "immediate" && applyMethod !== "pending-reboot")
      throw new AwsError("InvalidParameterValue", `Invalid apply method: ${applyMethod}`);
    if (def.applyType === "static" && applyMethod === "immediate")
      throw new AwsError("InvalidParameterCombination", `cannot use immediate apply method for static parameter`);
    changes.push([name, { value, applyMethod }]);
  }
  for (const [name, change] of changes) group.values.set(name, change);
}
