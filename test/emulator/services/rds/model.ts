/**
 * RDS DB instances and clusters and their XML views. RDS names its XML list
 * members (`<DBInstance>`, `<VpcSecurityGroupMembership>`, ...), hence xmlList.
 */
import { AwsError } from "../../errors";
import { xmlList } from "../../protocol";
import type { Params } from "../../types";

export interface ManagedSecret {
  secretArn: string;
  kmsKeyId: string;
}

/** What instances and clusters share. */
interface DbResource {
  id: string;
  arn: string;
  resourceId: string;
  engine: string;
  engineVersion: string;
  masterUsername: string;
  port: number;
  parameterGroup: string;
  securityGroups: string[];
  storageEncrypted: boolean;
  kmsKeyId?: string;
  masterUserSecret?: ManagedSecret;
  /** Fixed status (scenario), else `creating` until readyAt, then `available`. */
  status?: string;
  readyAt: number;
  createdAt: Date;
  tags: Params[];
  seeded: boolean;
}

export interface DbInstance extends DbResource {
  instanceClass: string;
  dbName?: string;
  address: string;
  clusterId?: string;
  availabilityZone: string;
  publiclyAccessible: boolean;
  caCertificate: string;
}

export interface DbCluster extends DbResource {
  databaseName?: string;
  address: string;
  readerAddress: string;
  /** Aurora custom endpoints' addresses (DBCluster.CustomEndpoints: "The custom endpoints associated with the DB cluster"). */
  customAddresses: string[];
}

/** RDS's Route 53 hosted zone per region (what Endpoint.HostedZoneId shows). */
const HOSTED_ZONES: Record<string, string> = {
  "us-east-1": "Z2R2ITUGPM61AM",
  "us-east-2": "ZZQ8LFZV6WLYJ",
  "us-west-1": "Z10WI91S59XXQN",
  "us-west-2": "Z1PVIF0B656C1W",
  "eu-west-1": "Z29XKXDKYMONMX",
  "eu-central-1": "Z1RLNUO7B9Q6NB",
};
export const hostedZoneId = (region: string) => HOSTED_ZONES[region] ?? "Z2R2ITUGPM61AM";

export const instanceNotFound = (id: string) => new AwsError("DBInstanceNotFound", `DBInstance ${id} not found.`, 404);
export const clusterNotFound = (id: string) =>
  new AwsError("DBClusterNotFoundFault", `DBCluster ${id} not found.`, 404);
export const invalidParameterValue = (message: string) => new AwsError("InvalidParameterValue", message);
export const invalidCombination = (message: string) => new AwsError("InvalidParameterCombination", message);

export function statusOf(resource: { status?: string; readyAt: number }): string {
  if (resource.status) return resource.status;
  return Date.now() >= resource.readyAt ? "available" : "creating";
}

const vpcGroups = (ids: string[]) =>
  xmlList(
    "VpcSecurityGroupMembership",
    ids.map((id) => ({ VpcSecurityGroupId: id, Status: "active" })),
  );

const managedSecretView = (s: ManagedSecret | undefined) =>
  s ? { SecretArn: s.secretArn, SecretStatus: "active", KmsKeyId: s.kmsKeyId } : undefined;

export function instanceView(i: DbInstance, region: string): Params {
  const status = statusOf(i);
  return {
    DBInstanceIdentifier: i.id,
    DBInstanceClass: i.instanceClass,
    Engine: i.engine,
    DBInstanceStatus: status,
    MasterUsername: i.masterUsername,
    DBName: i.dbName,
    // AWS shows no endpoint until the instance has been created.
    Endpoint:
      status === "creating" ? undefined : { Address: i.address, Port: i.port, HostedZoneId: hostedZoneId(region) },
    AllocatedStorage: i.clusterId ? 1 : 20,
    InstanceCreateTime: status === "creating" ? undefined : i.createdAt,
    PreferredBackupWindow: "09:05-09:35",
    BackupRetentionPeriod: 7,
    DBSecurityGroups: xmlList("DBSecurityGroup", []),
    VpcSecurityGroups: vpcGroups(i.securityGroups),
    DBParameterGroups: xmlList("DBParameterGroup", [
      { DBParameterGroupName: i.parameterGroup, ParameterApplyStatus: "in-sync" },
    ]),
    AvailabilityZone: i.availabilityZone,
    PreferredMaintenanceWindow: "sun:10:00-sun:10:30",
    PendingModifiedValues: {},
    MultiAZ: false,
    EngineVersion: i.engineVersion,
    AutoMinorVersionUpgrade: true,
    ReadReplicaDBInstanceIdentifiers: xmlList("ReadReplicaDBInstanceIdentifier", []),
    LicenseModel: i.engine.includes("postgres") ? "postgresql-license" : "general-public-license",
    OptionGroupMemberships: xmlList("OptionGroupMembership", [
      { OptionGroupName: `default:${i.engine}-${i.engineVersion.split(".")[0]}`, Status: "in-sync" },
    ]),
    PubliclyAccessible: i.publiclyAccessible,
    StorageType: i.clusterId ? "aurora" : "gp3",
    DbInstancePort: 0,
    DBClusterIdentifier: i.clusterId,
    StorageEncrypted: i.storageEncrypted,
    KmsKeyId: i.kmsKeyId,
    DbiResourceId: i.resourceId,
    CACertificateIdentifier: i.caCertificate,
    CopyTagsToSnapshot: false,
    MonitoringInterval: 0,
    DBInstanceArn: i.arn,
    IAMDatabaseAuthenticationEnabled: false,
    PerformanceInsightsEnabled: false,
    DeletionProtection: false,
    TagList: xmlList("Tag", i.tags),
    MasterUserSecret: managedSecretView(i.masterUserSecret),
    CertificateDetails: { CAIdentifier: i.caCertificate, ValidTill: new Date(Date.UTC(2061, 4, 22)) },
    NetworkType: "IPV4",
    BackupTarget: "region",
  };
}

export function clusterView(c: DbCluster, members: DbInstance[], region: string): Params {
  const status = statusOf(c);
  return {
    AllocatedStorage: 1,
    AvailabilityZones: xmlList("AvailabilityZone", [`${region}a`, `${region}b`, `${region}c`]),
    BackupRetentionPeriod: 7,
    DatabaseName: c.databaseName,
    DBClusterIdentifier: c.id,
    DBClusterParameterGroup: c.parameterGroup,
    DBSubnetGroup: "default",
    Status: status,
    Endpoint: c.address,
    ReaderEndpoint: c.readerAddress,
    CustomEndpoints: xmlList("member", c.customAddresses),
    MultiAZ: members.length > 1,
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    Port: c.port,
    MasterUsername: c.masterUsername,
    PreferredBackupWindow: "09:05-09:35",
    PreferredMaintenanceWindow: "sun:10:00-sun:10:30",
    ReadReplicaIdentifiers: xmlList("ReadReplicaIdentifier", []),
    DBClusterMembers: xmlList(
      "DBClusterMember",
      members.map((m, n) => ({
        DBInstanceIdentifier: m.id,
        IsClusterWriter: n === 0,
        DBClusterParameterGroupStatus: "in-sync",
        PromotionTier: 1,
      })),
    ),
    VpcSecurityGroups: vpcGroups(c.securityGroups),
    HostedZoneId: hostedZoneId(region),
    StorageEncrypted: c.storageEncrypted,
    KmsKeyId: c.kmsKeyId,
    DbClusterResourceId: c.resourceId,
    DBClusterArn: c.arn,
    AssociatedRoles: xmlList("DBClusterRole", []),
    IAMDatabaseAuthenticationEnabled: false,
    ClusterCreateTime: c.createdAt,
    EngineMode: "provisioned",
    DeletionProtection: false,
    HttpEndpointEnabled: false,
    CopyTagsToSnapshot: false,
    CrossAccountClone: false,
    DomainMemberships: xmlList("DomainMembership", []),
    TagList: xmlList("Tag", c.tags),
    MasterUserSecret: managedSecretView(c.masterUserSecret),
    NetworkType: "IPV4",
  };
}
