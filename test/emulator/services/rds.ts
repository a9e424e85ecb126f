/**
 * RDS (AWS Query, 2014-10-31): DB instances, Aurora clusters, DB and DB
 * cluster parameter groups with real parameters, master-user secrets managed
 * in Secrets Manager. Scenario format: docs/rds.md.
 */
import { AwsError, queryAccessDenied } from "../errors";
import { xmlList } from "../protocol";
import type { Emulator } from "../server";
import { operations, type Params, type Scenario, type ServiceModule } from "../types";
import { page } from "./paging";
import {
  clusterNotFound,
  clusterView,
  instanceNotFound,
  instanceView,
  invalidCombination,
  invalidParameterValue,
} from "./rds/model";
import { parameterGroupHandlers } from "./rds/parameter-groups";
import { badMarker, bool, filtersOf, list, records } from "./rds/query";
import { loadRdsScenario, type RdsScenario } from "./rds/scenario";
import { RdsState, validIdentifier } from "./rds/state";

/** Nothing beyond the common shape: its state is reached only through its API. */
export type RdsModule = ServiceModule;

export function createRds(emulator: Emulator): RdsModule {
  const state = new RdsState(emulator);
  const region = () => emulator.region;

  const managedSecret = (params: Params) => {
    const manage = bool(params.ManageMasterUserPassword);
    if (manage && params.MasterUserPassword !== undefined)
      throw invalidCombination("You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.");
    return manage
      ? { ...(params.MasterUserSecretKmsKeyId ? { kmsKeyId: String(params.MasterUserSecretKmsKeyId) } : {}) }
      : undefined;
  };

  // Where each call is authorized (Service Authorization Reference, Amazon RDS): the instance, cluster or parameter
  // group it names, in lower case as RDS keeps identifiers.
  const id = (v: unknown) => String(v ?? "").toLowerCase();
  const db = (v: unknown) => (String(v).startsWith("arn:") ? String(v) : state.arn("db", id(v)));
  const cluster = (v: unknown) => (String(v).startsWith("arn:") ? String(v) : state.arn("cluster", id(v)));
  const parameterGroupArns = (action: string, params: Params): string[] => {
    if (action === "DescribeDBParameterGroups")
      return [state.arn("pg", params.DBParameterGroupName !== undefined ? id(params.DBParameterGroupName) : "*")];
    if (action === "DescribeDBClusterParameterGroups")
      return [
        state.arn(
          "cluster-pg",
          params.DBClusterParameterGroupName !== undefined ? id(params.DBClusterParameterGroupName) : "*",
        ),
      ];
    if (params.DBParameterGroupName !== undefined) return [state.arn("pg", id(params.DBParameterGroupName))];
    if (params.DBClusterParameterGroupName !== undefined)
      return [state.arn("cluster-pg", id(params.DBClusterParameterGroupName))];
    return ["*"];
  };

  const parameterGroups = parameterGroupHandlers(state);
  const module: RdsModule = {
    signingName: "rds",
    protocol: "query",
    xmlns: "http://rds.amazonaws.com/doc/2014-10-31/",
    iamPrefix: "rds",
    accessDenied: queryAccessDenied,
    operations: operations(
      {
        CreateDBInstance: (params) => {
          const id = validIdentifier("DBInstanceIdentifier", params.DBInstanceIdentifier);
          if (!params.DBInstanceClass) throw invalidParameterValue("The parameter DBInstanceClass must be provided.");
          if (!params.Engine) throw invalidParameterValue("The parameter Engine must be provided.");
          const inCluster = params.DBClusterIdentifier !== undefined;
          const secret = managedSecret(params);
          if (!inCluster && !secret && !params.MasterUserPassword)
            throw invalidParameterValue("The parameter MasterUserPassword must be provided and must not be blank.");
          if (inCluster && (secret || params.MasterUserPassword))
            throw invalidCombination(
              "The requested DB instance will be a member of a DB cluster. Set the master user password for the DB cluster.",
            );
          const instance = state.addInstance({
            id,
            engine: String(params.Engine),
            instanceClass: String(params.DBInstanceClass),
            ...(params.EngineVersion ? { engineVersion: String(params.EngineVersion) } : {}),
            ...(params.DBName ? { dbName: String(params.DBName) } : {}),
            ...(params.MasterUsername ? { masterUsername: String(params.MasterUsername) } : {}),
            ...(params.Port ? { port: Number(params.Port) } : {}),
            ...(params.DBParameterGroupName
              ? { parameterGroup: String(params.DBParameterGroupName).toLowerCase() }
              : {}),
            ...(inCluster ? { clusterId: validIdentifier("DBClusterIdentifier", params.DBClusterIdentifier) } : {}),
            securityGroups: list(params.VpcSecurityGroupIds).map(String),
            storageEncrypted: bool(params.StorageEncrypted),
            ...(params.KmsKeyId ? { kmsKeyId: String(params.KmsKeyId) } : {}),
            publiclyAccessible: bool(params.PubliclyAccessible),
            tags: list(params.Tags),
            ...(secret ? { managedSecret: secret } : {}),
            seeded: false,
          });
          return { DBInstance: instanceView(instance, region()) };
        },
        DescribeDBInstances: (params) => {
          let instances = [...state.instances.values()];
          if (params.DBInstanceIdentifier !== undefined) {
            const found = state.findInstance(params.DBInstanceIdentifier);
            if (!found) throw instanceNotFound(String(params.DBInstanceIdentifier));
            instances = [found];
          }
          for (const [name, values] of filtersOf(params, [
            "db-cluster-id",
            "db-instance-id",
            "dbi-resource-id",
            "engine",
          ])) {
            instances = instances.filter((i) => {
              if (name === "db-cluster-id")
                return values.some((v) => v === i.clusterId || v === state.arn("cluster", i.clusterId ?? ""));
              if (name === "db-instance-id") return values.some((v) => v === i.id || v === i.arn);
              if (name === "dbi-resource-id") return values.includes(i.resourceId);
              return values.includes(i.engine);
            });
          }
          const result = page(instances, {
            token: params.Marker,
            max: records(params),
            tag: "instances",
            badToken: badMarker,
          });
          return {
            DBInstances: xmlList(
              "DBInstance",
              result.items.map((i) => instanceView(i, region())),
            ),
            ...(result.nextToken ? { Marker: result.nextToken } : {}),
          };
        },
        DeleteDBInstance: (params) => {
          const instance = state.findInstance(params.DBInstanceIdentifier);
          if (!instance) throw instanceNotFound(String(params.DBInstanceIdentifier));
          if (!instance.clusterId && !bool(params.SkipFinalSnapshot) && !params.FinalDBSnapshotIdentifier)
            throw invalidCombination("FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
          const view = { ...instanceView(instance, region()), DBInstanceStatus: "deleting" };
          state.dropSecret(instance.masterUserSecret);
          state.instances.delete(instance.id);
          return { DBInstance: view };
        },
        CreateDBCluster: (params) => {
          const id = validIdentifier("DBClusterIdentifier", params.DBClusterIdentifier);
          if (!params.Engine) throw invalidParameterValue("The parameter Engine must be provided.");
          if (!params.MasterUsername)
            throw invalidParameterValue("The parameter MasterUsername must be provided and must not be blank.");
          const secret = managedSecret(params);
          if (!secret && !params.MasterUserPassword)
            throw invalidParameterValue("The parameter MasterUserPassword must be provided and must not be blank.");
          const cluster = state.addCluster({
            id,
            engine: String(params.Engine),
            masterUsername: String(params.MasterUsername),
            ...(params.EngineVersion ? { engineVersion: String(params.EngineVersion) } : {}),
            ...(params.DatabaseName ? { databaseName: String(params.DatabaseName) } : {}),
            ...(params.Port ? { port: Number(params.Port) } : {}),
            ...(params.DBClusterParameterGroupName
              ? { parameterGroup: String(params.DBClusterParameterGroupName).toLowerCase() }
              : {}),
            securityGroups: list(params.VpcSecurityGroupIds).map(String),
            storageEncrypted: bool(params.StorageEncrypted),
            ...(params.KmsKeyId ? { kmsKeyId: String(params.KmsKeyId) } : {}),
            tags: list(params.Tags),
            ...(secret ? { managedSecret: secret } : {}),
            seeded: false,
          });
          return { DBCluster: clusterView(cluster, [], region()) };
        },
        DescribeDBClusters: (params) => {
          let clusters = [...state.clusters.values()];
          if (params.DBClusterIdentifier !== undefined) {
            const found = state.findCluster(params.DBClusterIdentifier);
            if (!found) throw clusterNotFound(String(params.DBClusterIdentifier));
            clusters = [found];
          }
          for (const [name, values] of filtersOf(params, ["db-cluster-id", "engine", "db-cluster-resource-id"])) {
            clusters = clusters.filter((c) =>
              name === "db-cluster-id"
                ? values.some((v) => v === c.id || v === c.arn)
                : name === "engine"
                  ? values.includes(c.engine)
                  : values.includes(c.resourceId),
            );
          }
          const result = page(clusters, {
            token: params.Marker,
            max: records(params),
            tag: "clusters",
            badToken: badMarker,
          });
          return {
            DBClusters: xmlList(
              "DBCluster",
              result.items.map((c) => clusterView(c, state.membersOf(c), region())),
            ),
            ...(result.nextToken ? { Marker: result.nextToken } : {}),
          };
        },
        DeleteDBCluster: (params) => {
          const cluster = state.findCluster(params.DBClusterIdentifier);
          if (!cluster) throw clusterNotFound(String(params.DBClusterIdentifier));
          if (state.membersOf(cluster).length > 0)
            throw new AwsError(
              "InvalidDBClusterStateFault",
              "Cluster cannot be deleted, it still contains DB instances in non-deleting state.",
            );
          if (!bool(params.SkipFinalSnapshot) && !params.FinalDBSnapshotIdentifier)
            throw invalidCombination("FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
          const view = { ...clusterView(cluster, [], region()), Status: "deleting" };
          state.dropSecret(cluster.masterUserSecret);
          state.clusters.delete(cluster.id);
          return { DBCluster: view };
        },
        ...parameterGroups,
      },
      {
        CreateDBInstance: {
          resources: (params) => {
            const out = [db(params.DBInstanceIdentifier)];
            if (params.DBParameterGroupName) out.push(state.arn("pg", id(params.DBParameterGroupName)));
            if (params.DBClusterIdentifier) out.push(cluster(params.DBClusterIdentifier));
            return out;
          },
        },
        DescribeDBInstances: {
          resources: (params) => [
            params.DBInstanceIdentifier !== undefined ? db(params.DBInstanceIdentifier) : state.arn("db", "*"),
          ],
        },
        DeleteDBInstance: { resources: (params) => [db(params.DBInstanceIdentifier)] },
        CreateDBCluster: {
          resources: (params) => {
            const out = [cluster(params.DBClusterIdentifier)];
            if (params.DBClusterParameterGroupName)
              out.push(state.arn("cluster-pg", id(params.DBClusterParameterGroupName)));
            return out;
          },
        },
        DescribeDBClusters: {
          resources: (params) => [
            params.DBClusterIdentifier !== undefined ? cluster(params.DBClusterIdentifier) : state.arn("cluster", "*"),
          ],
        },
        DeleteDBCluster: { resources: (params) => [cluster(params.DBClusterIdentifier)] },
        // Parameter groups: on the group named (a describe without a name: every group of its kind).
        ...Object.fromEntries(
          Object.keys(parameterGroups).map((action) => [
            action,
            { resources: (params: Params) => parameterGroupArns(action, params) },
          ]),
        ),
      },
    ),
    reset() {
      state.clear();
    },
    snapshot: () => ({
      instances: [...state.instances.values()].map((i) => ({
        id: i.id,
        arn: i.arn,
        engine: i.engine,
        status: i.status ?? (Date.now() >= i.readyAt ? "available" : "creating"),
        address: i.address,
        port: i.port,
        dbName: i.dbName,
        clusterId: i.clusterId,
        parameterGroup: i.parameterGroup,
        masterUserSecret: i.masterUserSecret?.secretArn,
      })),
      clusters: [...state.clusters.values()].map((c) => ({
        id: c.id,
        arn: c.arn,
        engine: c.engine,
        address: c.address,
        readerAddress: c.readerAddress,
        customAddresses: c.customAddresses,
        port: c.port,
        databaseName: c.databaseName,
        parameterGroup: c.parameterGroup,
        masterUserSecret: c.masterUserSecret?.secretArn,
      })),
      parameterGroups: [...state.groups.values()].map((g) => ({
        name: g.name,
        kind: g.kind,
        family: g.family,
        parameters: Object.fromEntries([...g.values].map(([k, v]) => [k, v.value])),
      })),
    }),
    created: () => [
      ...[...state.instances.values()].filter((i) => !i.seeded).map((i) => i.arn),
      ...[...state.clusters.values()].filter((c) => !c.seeded).map((c) => c.arn),
      ...[...state.groups.values()]
        .filter((g) => !g.seeded)
        .map((g) => state.arn(g.kind === "db" ? "pg" : "cluster-pg", g.name)),
    ],
    loadScenario(scenario: Scenario) {
      const section = scenario.rds as RdsScenario | undefined;
      if (section) loadRdsScenario(state, section);
    },
  };
  return module;
}
