import {
  type DBCluster,
  DBClusterNotFoundFault,
  type DBInstance,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  type Parameter,
  paginateDescribeDBClusterParameters,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  paginateDescribeDBParameters,
  type RDSClient,
} from "@aws-sdk/client-rds";
import { awsErrorCode, awsException, ConfigurationError, errorMessage } from "../../lib/errors";

export interface DbEndpoint {
  address: string;
  /** `instance` endpoint, cluster `writer` endpoint, cluster `reader` endpoint, an Aurora `custom` endpoint. */
  role: "instance" | "writer" | "reader" | "custom";
}

/** The RDS side of the comparison, instance or cluster alike. */
export interface DbTarget {
  kind: "instance" | "cluster";
  identifier: string;
  arn?: string;
  engine: string;
  engineVersion?: string;
  status?: string;
  port?: number;
  dbName?: string;
  masterUsername?: string;
  endpoints: DbEndpoint[];
  masterUserSecret?: { arn: string; status?: string };
  parameterGroup?: { name: string; kind: "instance" | "cluster" };
}

/** How the target was chosen, for the report. */
export type TargetSource =
  | "db-instance-identifier input"
  | "db-cluster-identifier input"
  | "secret's dbInstanceIdentifier"
  | "secret's dbClusterIdentifier"
  | "secret's RDS tags"
  | "endpoint equal to the secret's host";

/** MaxRecords of every Describe* page (RDS allows 20 to 100). */
const PAGE_SIZE = 100;

export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, "");
}

export function instanceTarget(db: DBInstance): DbTarget {
  const target: DbTarget = {
    kind: "instance",
    identifier: db.DBInstanceIdentifier ?? "",
    engine: db.Engine ?? "",
    endpoints: db.Endpoint?.Address ? [{ address: db.Endpoint.Address, role: "instance" }] : [],
  };
  if (db.DBInstanceArn) target.arn = db.DBInstanceArn;
  if (db.EngineVersion) target.engineVersion = db.EngineVersion;
  if (db.DBInstanceStatus) target.status = db.DBInstanceStatus;
  const port = db.Endpoint?.Port ?? db.DbInstancePort;
  if (port) target.port = port;
  if (db.DBName) target.dbName = db.DBName;
  if (db.MasterUsername) target.masterUsername = db.MasterUsername;
  if (db.MasterUserSecret?.SecretArn) {
    target.masterUserSecret = { arn: db.MasterUserSecret.SecretArn };
    if (db.MasterUserSecret.SecretStatus) target.masterUserSecret.status = db.MasterUserSecret.SecretStatus;
  }
  const group = db.DBParameterGroups?.[0]?.DBParameterGroupName;
  if (group) target.parameterGroup = { name: group, kind: "instance" };
  return target;
}

export function clusterTarget(db: DBCluster): DbTarget {
  const endpoints: DbEndpoint[] = [];
  if (db.Endpoint) endpoints.push({ address: db.Endpoint, role: "writer" });
  if (db.ReaderEndpoint) endpoints.push({ address: db.ReaderEndpoint, role: "reader" });
  // Aurora custom endpoints (DBCluster.CustomEndpoints) are this cluster's too: a secret may name one.
  for (const custom of db.CustomEndpoints ?? []) endpoints.push({ address: custom, role: "custom" });
  const target: DbTarget = {
    kind: "cluster",
    identifier: db.DBClusterIdentifier ?? "",
    engine: db.Engine ?? "",
    endpoints,
  };
  if (db.DBClusterArn) target.arn = db.DBClusterArn;
  if (db.EngineVersion) target.engineVersion = db.EngineVersion;
  if (db.Status) target.status = db.Status;
  if (db.Port) target.port = db.Port;
  if (db.DatabaseName) target.dbName = db.DatabaseName;
  if (db.MasterUsername) target.masterUsername = db.MasterUsername;
  if (db.MasterUserSecret?.SecretArn) {
    target.masterUserSecret = { arn: db.MasterUserSecret.SecretArn };
    if (db.MasterUserSecret.SecretStatus) target.masterUserSecret.status = db.MasterUserSecret.SecretStatus;
  }
  if (db.DBClusterParameterGroup) target.parameterGroup = { name: db.DBClusterParameterGroup, kind: "cluster" };
  return target;
}

export async function describeInstance(rds: RDSClient, identifier: string, source: TargetSource): Promise<DbTarget> {
  let db: DBInstance | undefined;
  try {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    db = out.DBInstances?.[0];
  } catch (error) {
    if (!(awsException(error) instanceof DBInstanceNotFoundFault)) throw error;
  }
  if (!db) {
    throw new ConfigurationError(
      `RDS instance '${identifier}' (from the ${source}) was not found in this region. Check the identifier and 'aws-region'.`,
    );
  }
  // An Aurora instance endpoint: names, port and secret live on its cluster.
  if (db.DBClusterIdentifier) {
    const cluster = await describeCluster(rds, db.DBClusterIdentifier, source);
    if (db.Endpoint?.Address) cluster.endpoints.push({ address: db.Endpoint.Address, role: "instance" });
    return cluster;
  }
  return instanceTarget(db);
}

export async function describeCluster(rds: RDSClient, identifier: string, source: TargetSource): Promise<DbTarget> {
  let db: DBCluster | undefined;
  try {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
    db = out.DBClusters?.[0];
  } catch (error) {
    if (!(awsException(error) instanceof DBClusterNotFoundFault)) throw error;
  }
  if (!db) {
    throw new ConfigurationError(
      `RDS cluster '${identifier}' (from the ${source}) was not found in this region. Check the identifier and 'aws-region'.`,
    );
  }
  return clusterTarget(db);
}

/** The instance or cluster one of whose endpoints is `host`: the pages of instances, then of clusters, until a hit. */
export async function findTargetByHost(rds: RDSClient, host: string): Promise<DbTarget | undefined> {
  const wanted = normalizeHost(host);
  const paging = { client: rds, pageSize: PAGE_SIZE };
  const hit = await (async () => {
    for await (const page of paginateDescribeDBInstances(paging, {})) {
      const found = (page.DBInstances ?? []).find(
        (db) => db.Endpoint?.Address && normalizeHost(db.Endpoint.Address) === wanted,
      );
      if (found) return found;
    }
    return undefined;
  })();
  if (hit)
    return hit.DBClusterIdentifier
      ? describeInstance(rds, hit.DBInstanceIdentifier ?? "", "endpoint equal to the secret's host")
      : instanceTarget(hit);
  const cluster = await (async () => {
    for await (const page of paginateDescribeDBClusters(paging, {})) {
      const found = (page.DBClusters ?? []).find((db) =>
        [db.Endpoint, db.ReaderEndpoint, ...(db.CustomEndpoints ?? [])].some((e) => e && normalizeHost(e) === wanted),
      );
      if (found) return found;
    }
    return undefined;
  })();
  return cluster ? clusterTarget(cluster) : undefined;
}

export interface ForceSsl {
  parameterGroup?: string;
  parameterGroupKind?: "instance" | "cluster";
  /** `rds.force_ssl` (PostgreSQL) or `require_secure_transport` (MySQL) as read; undefined when not set. */
  parameter?: string;
  value?: string;
  /** The server refuses plaintext connections. */
  required: boolean;
  note?: string;
}

const TLS_PARAMETERS = ["rds.force_ssl", "require_secure_transport"];

function isOn(value: string | undefined): boolean {
  return value !== undefined && ["1", "on", "true"].includes(value.trim().toLowerCase());
}

/** RDS for PostgreSQL 15 and later sets rds.force_ssl=1 by default; older majors and Aurora default to 0. */
function defaultForceSsl(target: DbTarget): boolean {
  const major = Number((target.engineVersion ?? "").split(".")[0]);
  return target.engine === "postgres" && major >= 15;
}

function unsupported(error: unknown): boolean {
  return /InvalidAction|UnknownOperation|NotImplemented|UnsupportedOperation/i.test(awsErrorCode(error) ?? "");
}

/** Reads whether the DB's parameter group forces TLS (every page of parameters). */
export async function readForceSsl(rds: RDSClient, target: DbTarget): Promise<ForceSsl> {
  const group = target.parameterGroup;
  if (!group) return { required: defaultForceSsl(target), note: "the DB reports no parameter group" };
  const operation = group.kind === "cluster" ? "rds:DescribeDBClusterParameters" : "rds:DescribeDBParameters";
  const found = new Map<string, Parameter>();
  const paging = { client: rds, pageSize: PAGE_SIZE };
  try {
    const pages =
      group.kind === "cluster"
        ? paginateDescribeDBClusterParameters(paging, { DBClusterParameterGroupName: group.name })
        : paginateDescribeDBParameters(paging, { DBParameterGroupName: group.name });
    for await (const page of pages)
      for (const p of page.Parameters ?? [])
        if (p.ParameterName && TLS_PARAMETERS.includes(p.ParameterName)) found.set(p.ParameterName, p);
  } catch (error) {
    if (!unsupported(error)) throw error;
    return {
      parameterGroup: group.name,
      parameterGroupKind: group.kind,
      required: false,
      note: `${operation} is not available here (${errorMessage(awsException(error) ?? error)}); whether TLS is forced is unknown`,
    };
  }
  const base = { parameterGroup: group.name, parameterGroupKind: group.kind };
  for (const name of TLS_PARAMETERS) {
    const p = found.get(name);
    if (p?.ParameterValue !== undefined)
      return { ...base, parameter: name, value: p.ParameterValue, required: isOn(p.ParameterValue) };
  }
  if (defaultForceSsl(target)) {
    return {
      ...base,
      parameter: "rds.force_ssl",
      required: true,
      note: "not set in the group: PostgreSQL 15 and later default it to 1",
    };
  }
  return { ...base, required: false, note: "neither rds.force_ssl nor require_secure_transport is set in the group" };
}
