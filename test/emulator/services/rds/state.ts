/**
 * RDS state shared by the API handlers and scenarios: instances, clusters,
 * parameter groups, endpoints that look like AWS's, and master-user secrets
 * managed in the Secrets Manager emulator.
 */
import { randomUUID } from "node:crypto";
import { AwsError } from "../../errors";
import type { Emulator } from "../../server";
import type { Params } from "../../types";
import { awsManagedKeyArn } from "../kms";
import { randomAlphanumeric } from "../paging";
import type { SecretsManagerModule } from "../secretsmanager";
import {
  type DbCluster,
  type DbInstance,
  invalidCombination,
  invalidParameterValue,
  type ManagedSecret,
} from "./model";
import { DEFAULT_VERSIONS, familyOf, groupNotFound, type ParameterGroup } from "./parameters";

const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,62}$/;
/** Creating an instance or cluster takes minutes in AWS; scaled by the emulator's timeScale. */
export const CREATE_DELAY_MS = 300_000;

export interface InstanceSpec {
  id: string;
  engine: string;
  engineVersion?: string;
  instanceClass?: string;
  dbName?: string;
  masterUsername?: string;
  address?: string;
  port?: number;
  parameterGroup?: string;
  clusterId?: string;
  securityGroups?: string[];
  storageEncrypted?: boolean;
  kmsKeyId?: string;
  publiclyAccessible?: boolean;
  status?: string;
  tags?: Params[];
  managedSecret?: { password?: string; kmsKeyId?: string; arnSuffix?: string };
  seeded: boolean;
}

export interface ClusterSpec {
  id: string;
  engine: string;
  engineVersion?: string;
  databaseName?: string;
  masterUsername: string;
  address?: string;
  readerAddress?: string;
  /** Identifiers of Aurora custom endpoints: `<id>.cluster-custom-<suffix>.<region>.rds.amazonaws.com`. */
  customEndpoints?: string[];
  port?: number;
  parameterGroup?: string;
  securityGroups?: string[];
  storageEncrypted?: boolean;
  kmsKeyId?: string;
  status?: string;
  tags?: Params[];
  managedSecret?: { password?: string; kmsKeyId?: string; arnSuffix?: string };
  seeded: boolean;
}

export function validIdentifier(kind: string, id: unknown): string {
  const value = typeof id === "string" ? id.toLowerCase() : "";
  if (!IDENTIFIER.test(value) || value.endsWith("-"))
    throw invalidParameterValue(
      `The parameter ${kind} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  return value;
}

export const defaultPort = (engine: string) => (engine.includes("mysql") || engine === "mariadb" ? 3306 : 5432);

export class RdsState {
  readonly instances = new Map<string, DbInstance>();
  readonly clusters = new Map<string, DbCluster>();
  /** Key `db:<name>` or `cluster:<name>`. */
  readonly groups = new Map<string, ParameterGroup>();
  /** The 12 characters AWS puts in every endpoint of one account and region. */
  dnsSuffix = randomAlphanumeric(12, LOWER);

  constructor(private readonly emulator: Emulator) {
    this.clear();
  }

  get region(): string {
    return this.emulator.region;
  }

  arn(kind: "db" | "cluster" | "pg" | "cluster-pg", name: string): string {
    return `arn:aws:rds:${this.region}:${this.emulator.account}:${kind}:${name}`;
  }

  clear(): void {
    this.instances.clear();
    this.clusters.clear();
    this.groups.clear();
    this.dnsSuffix = randomAlphanumeric(12, LOWER);
  }

  private secrets(): SecretsManagerModule {
    return this.emulator.service<SecretsManagerModule>("secretsmanager");
  }

  group(kind: ParameterGroup["kind"], name: string): ParameterGroup {
    const group = this.groups.get(`${kind}:${name}`);
    if (!group) throw groupNotFound(kind, name);
    return group;
  }

  addGroup(spec: Omit<ParameterGroup, "values"> & { values?: Record<string, string> }): ParameterGroup {
    const key = `${spec.kind}:${spec.name}`;
    if (this.groups.has(key) && !spec.seeded)
      throw new AwsError("DBParameterGroupAlreadyExists", `Parameter group ${spec.name} already exists`);
    const group: ParameterGroup = {
      ...spec,
      values: new Map(
        Object.entries(spec.values ?? {}).map(([k, v]) => [k, { value: String(v), applyMethod: "immediate" }]),
      ),
    };
    this.groups.set(key, group);
    return group;
  }

  /** The named group (checked against the family), or the family's default group, created on first use. */
  private groupFor(kind: ParameterGroup["kind"], name: string | undefined, family: string): string {
    if (name !== undefined) {
      const group = this.group(kind, name);
      if (group.family !== family)
        throw invalidCombination(
          `The parameter group ${name} with DBParameterGroupFamily ${group.family} can't be used for this instance. Use a parameter group with DBParameterGroupFamily ${family}.`,
        );
      return name;
    }
    const defaultName = `default.${family}`;
    if (!this.groups.has(`${kind}:${defaultName}`))
      this.addGroup({
        name: defaultName,
        family,
        kind,
        description: `Default ${kind === "db" ? "parameter" : "cluster parameter"} group for ${family}`,
        isDefault: true,
        tags: [],
        seeded: true,
      });
    return defaultName;
  }

  private manageSecret(
    kind: "db" | "cluster",
    ownerArn: string,
    username: string,
    spec: NonNullable<InstanceSpec["managedSecret"]>,
  ): ManagedSecret {
    const password = spec.password ?? randomAlphanumeric(28);
    // Without MasterUserSecretKmsKeyId RDS encrypts the secret with the AWS managed key aws/secretsmanager
    // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html, MasterUserSecretKmsKeyId);
    // Secrets Manager's DescribeSecret then has no KmsKeyId ("If the secret is encrypted with the AWS managed key
    // aws/secretsmanager, this field is omitted",
    // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html), while RDS's
    // MasterUserSecret.KmsKeyId names the key it used: that managed key's ARN.
    const kmsKeyId = spec.kmsKeyId ?? awsManagedKeyArn(this.region, this.emulator.account, "alias/aws/secretsmanager");
    const secretArn = this.secrets().createSecret({
      name: `rds!${kind}-${randomUUID()}`,
      secretString: JSON.stringify({ username, password }),
      ...(spec.kmsKeyId !== undefined ? { kmsKeyId: spec.kmsKeyId } : {}),
      owningService: "rds",
      description: `Secret associated with primary RDS DB ${kind === "db" ? "instance" : "cluster"}: ${ownerArn}`,
      tags: [{ Key: kind === "db" ? "aws:rds:primaryDBInstanceArn" : "aws:rds:primaryDBClusterArn", Value: ownerArn }],
      ...(spec.arnSuffix ? { arnSuffix: spec.arnSuffix } : {}),
    });
    return { secretArn, kmsKeyId };
  }

  /** Drops a managed master secret with its owner, as RDS does. */
  dropSecret(secret: ManagedSecret | undefined): void {
    if (!secret) return;
    this.secrets().deleteManagedSecret(secret.secretArn);
  }

  addCluster(spec: ClusterSpec): DbCluster {
    if (this.clusters.has(spec.id) && !spec.seeded)
      throw new AwsError("DBClusterAlreadyExistsFault", "DB Cluster already exists");
    if (spec.seeded) this.dropSecret(this.clusters.get(spec.id)?.masterUserSecret);
    const engineVersion = spec.engineVersion ?? DEFAULT_VERSIONS[spec.engine] ?? "16.2";
    const arn = this.arn("cluster", spec.id);
    const cluster: DbCluster = {
      id: spec.id,
      arn,
      resourceId: `cluster-${randomAlphanumeric(26, UPPER)}`,
      engine: spec.engine,
      engineVersion,
      masterUsername: spec.masterUsername,
      address: spec.address ?? `${spec.id}.cluster-${this.dnsSuffix}.${this.region}.rds.amazonaws.com`,
      readerAddress: spec.readerAddress ?? `${spec.id}.cluster-ro-${this.dnsSuffix}.${this.region}.rds.amazonaws.com`,
      customAddresses: (spec.customEndpoints ?? []).map(
        (e) => `${e.toLowerCase()}.cluster-custom-${this.dnsSuffix}.${this.region}.rds.amazonaws.com`,
      ),
      port: spec.port ?? defaultPort(spec.engine),
      parameterGroup: this.groupFor("cluster", spec.parameterGroup, familyOf(spec.engine, engineVersion)),
      securityGroups: spec.securityGroups ?? [],
      storageEncrypted: spec.storageEncrypted ?? false,
      readyAt: Date.now() + (spec.seeded ? 0 : this.emulator.scaled(CREATE_DELAY_MS)),
      createdAt: new Date(),
      tags: spec.tags ?? [],
      seeded: spec.seeded,
    };
    if (spec.databaseName !== undefined) cluster.databaseName = spec.databaseName;
    if (spec.kmsKeyId !== undefined) cluster.kmsKeyId = spec.kmsKeyId;
    if (spec.status !== undefined) cluster.status = spec.status;
    if (spec.managedSecret)
      cluster.masterUserSecret = this.manageSecret("cluster", arn, spec.masterUsername, spec.managedSecret);
    this.clusters.set(cluster.id, cluster);
    return cluster;
  }

  addInstance(spec: InstanceSpec): DbInstance {
    if (this.instances.has(spec.id) && !spec.seeded)
      throw new AwsError("DBInstanceAlreadyExists", "DB instance already exists");
    if (spec.seeded) this.dropSecret(this.instances.get(spec.id)?.masterUserSecret);
    const cluster = spec.clusterId === undefined ? undefined : this.clusters.get(spec.clusterId);
    if (spec.clusterId !== undefined && !cluster)
      throw new AwsError("DBClusterNotFoundFault", `DBCluster ${spec.clusterId} not found.`, 404);
    if (cluster && cluster.engine !== spec.engine)
      throw invalidCombination(
        `The engine name requested for your DB instance (${spec.engine}) doesn't match the engine name of your DB cluster (${cluster.engine}).`,
      );
    const engineVersion = spec.engineVersion ?? cluster?.engineVersion ?? DEFAULT_VERSIONS[spec.engine] ?? "16.3";
    const masterUsername = spec.masterUsername ?? cluster?.masterUsername;
    if (!masterUsername)
      throw invalidParameterValue("The parameter MasterUsername must be provided and must not be blank.");
    const arn = this.arn("db", spec.id);
    const instance: DbInstance = {
      id: spec.id,
      arn,
      resourceId: `db-${randomAlphanumeric(26, UPPER)}`,
      instanceClass: spec.instanceClass ?? (cluster ? "db.r6g.large" : "db.t4g.micro"),
      engine: spec.engine,
      engineVersion,
      masterUsername,
      address: spec.address ?? `${spec.id}.${this.dnsSuffix}.${this.region}.rds.amazonaws.com`,
      port: spec.port ?? cluster?.port ?? defaultPort(spec.engine),
      parameterGroup: this.groupFor("db", spec.parameterGroup, familyOf(spec.engine, engineVersion)),
      securityGroups: spec.securityGroups ?? cluster?.securityGroups ?? [],
      availabilityZone: `${this.region}a`,
      storageEncrypted: spec.storageEncrypted ?? cluster?.storageEncrypted ?? false,
      publiclyAccessible: spec.publiclyAccessible ?? false,
      caCertificate: "rds-ca-rsa2048-g1",
      readyAt: Date.now() + (spec.seeded ? 0 : this.emulator.scaled(CREATE_DELAY_MS)),
      createdAt: new Date(),
      tags: spec.tags ?? [],
      seeded: spec.seeded,
    };
    const dbName = spec.dbName ?? cluster?.databaseName;
    if (dbName !== undefined) instance.dbName = dbName;
    if (cluster) instance.clusterId = cluster.id;
    const kmsKeyId = spec.kmsKeyId ?? cluster?.kmsKeyId;
    if (kmsKeyId !== undefined) instance.kmsKeyId = kmsKeyId;
    if (spec.status !== undefined) instance.status = spec.status;
    if (spec.managedSecret)
      instance.masterUserSecret = this.manageSecret("db", arn, masterUsername, spec.managedSecret);
    this.instances.set(instance.id, instance);
    return instance;
  }

  membersOf(cluster: DbCluster): DbInstance[] {
    return [...this.instances.values()].filter((i) => i.clusterId === cluster.id);
  }

  /** `<id>` or its ARN. */
  findInstance(ref: unknown): DbInstance | undefined {
    const id = String(ref ?? "")
      .replace(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db:/, "")
      .toLowerCase();
    return this.instances.get(id);
  }

  findCluster(ref: unknown): DbCluster | undefined {
    const id = String(ref ?? "")
      .replace(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:/, "")
      .toLowerCase();
    return this.clusters.get(id);
  }
}
