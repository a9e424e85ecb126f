/**
 * RDS (AWS Query, 2014-10-31): DB instances, Aurora clusters, DB and DB
 * cluster parameter groups with real parameters, master-user secrets managed
 * in Secrets Manager. Scenario format: docs/rds.md.
 */
import { AwsError } from "../errors";
import { xmlList } from "../protocol";
import type { Emulator } from "../server";
import type { Params, Scenario, ServiceModule } from "../types";
import { page } from "./paging";
import {
  clusterNotFound,
  clusterView,
  instanceNotFound,
  instanceView,
  invalidCombination,
  invalidParameterValue,
} from "./rds/model";
import { applyModifications, describeParameters, type ParameterGroup } from "./rds/parameters";
import { loadRdsScenario, type RdsScenario } from "./rds/scenario";
import { RdsState, validIdentifier } from "./rds/state";

export interface RdsModule extends ServiceModule {
  readonly state: RdsState;
}

/** Query lists arrive as arrays, or wrapped in their member name (`Filters.Filter.1`, `Parameters.Parameter.1`). */
function list(value: unknown): Params[] {
  if (value === undefined || value === null || value === "") return [];
  if (Array.isArray(value)) return value;
  if (typeof value === "object") {
    const inner = Object.values(value as Params);
    if (inner.length === 1 && Array.isArray(inner[0])) return inner[0];
  }
  return [value as Params];
}

const bool = (v: unknown) => v === true || v === "true";

function records(params: Params): number {
  const max = params.MaxRecords === undefined ? 100 : Number(params.MaxRecords);
  if (!Number.isInteger(max) || max < 20 || max > 100)
    throw invalidParameterValue("Invalid value for MaxRecords. Must be between 20 and 100");
  return max;
}

function filtersOf(params: Params, known: string[]): [string, string[]][] {
  return list(params.Filters).map((f) => {
    const name = String(f.Name ?? "");
    if (!known.includes(name)) throw invalidParameterValue(`Unrecognized filter name: ${name}.`);
    return [name, list(f.Values).map(String)];
  });
}

const badMarker = () => invalidParameterValue("Invalid marker");

export function createRds(emulator: Emulator): RdsModule {
  const state = new RdsState(emulator);
  const region = () => emulator.region;

  const groupView = (g: ParameterGroup) =>
    g.kind === "db"
      ? {
          DBParameterGroupName: g.name,
          DBParameterGroupFamily: g.family,
          Description: g.description,
          DBParameterGroupArn: state.arn("pg", g.name),
        }
      : {
          DBClusterParameterGroupName: g.name,
          DBParameterGroupFamily: g.family,
          Description: g.description,
          DBClusterParameterGroupArn: state.arn("cluster-pg", g.name),
        };

  const createGroup = (kind: ParameterGroup["kind"], params: Params) => {
    const name = String(params[kind === "db" ? "DBParameterGroupName" : "DBClusterParameterGroupName"] ?? "");
    if (!/^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(name) || name.endsWith("-") || name.includes("--"))
      throw invalidParameterValue(`The parameter group name ${name} is not valid.`);
    if (!params.DBParameterGroupFamily) throw invalidParameterValue("DBParameterGroupFamily is required.");
    if (!params.Description) throw invalidParameterValue("Description is required.");
    const group = state.addGroup({
      name: name.toLowerCase(),
      family: String(params.DBParameterGroupFamily),
      description: String(params.Description),
      kind,
      isDefault: false,
      tags: list(params.Tags),
      seeded: false,
    });
    return groupView(group);
  };

  const describeGroups = (kind: ParameterGroup["kind"], params: Params) => {
    const nameParam = params[kind === "db" ? "DBParameterGroupName" : "DBClusterParameterGroupName"];
    const groups =
      nameParam !== undefined
        ? [state.group(kind, String(nameParam).toLowerCase())]
        : [...state.groups.values()].filter((g) => g.kind === kind);
    const result = page(groups, { token: params.Marker, max: records(params), tag: `${kind}-pg`, badToken: badMarker });
    return { items: result.items.map(groupView), ...(result.nextToken ? { Marker: result.nextToken } : {}) };
  };

  const groupParameters = (kind: ParameterGroup["kind"], params: Params) => {
    const group = state.group(
      kind,
      String(params[kind === "db" ? "DBParameterGroupName" : "DBClusterParameterGroupName"] ?? "").toLowerCase(),
    );
    const source = params.Source as string | undefined;
    if (source !== undefined && !["user", "system", "engine-default"].includes(source))
      throw invalidParameterValue(`Invalid source: ${source}. Valid values: user, system, engine-default.`);
    const all = describeParameters(group).filter((p) => source === undefined || p.Source === source);
    const result = page(all, {
      token: params.Marker,
      max: records(params),
      tag: `${kind}-params:${group.name}`,
      badToken: badMarker,
    });
    return {
      Parameters: xmlList("Parameter", result.items),
      ...(result.nextToken ? { Marker: result.nextToken } : {}),
    };
  };

  const deleteGroup = (kind: ParameterGroup["kind"], params: Params) => {
    const group = state.group(
      kind,
      String(params[kind === "db" ? "DBParameterGroupName" : "DBClusterParameterGroupName"] ?? "").toLowerCase(),
    );
    if (group.isDefault) throw invalidParameterValue(`Default parameter group ${group.name} cannot be deleted.`);
    const users = kind === "db" ? [...state.instances.values()] : [...state.clusters.values()];
    if (users.some((u) => u.parameterGroup === group.name))
      throw new AwsError(
        "InvalidDBParameterGroupState",
        `One or more database instances are still members of this parameter group ${group.name}, so the group cannot be deleted`,
      );
    state.groups.delete(`${kind}:${group.name}`);
    return {};
  };

  const managedSecret = (params: Params) => {
    const manage = bool(params.ManageMasterUserPassword);
    if (manage && params.MasterUserPassword !== undefined)
      throw invalidCombination("You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.");
    return manage
      ? { ...(params.MasterUserSecretKmsKeyId ? { kmsKeyId: String(params.MasterUserSecretKmsKeyId) } : {}) }
      : undefined;
  };

  const module: RdsModule = {
    signingName: "rds",
    protocol: "query",
    xmlns: "http://rds.amazonaws.com/doc/2014-10-31/",
    iamPrefix: "rds",
    state,
    handlers: {
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
          ...(params.DBParameterGroupName ? { parameterGroup: String(params.DBParameterGroupName).toLowerCase() } : {}),
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
      CreateDBParameterGroup: (params) => ({ DBParameterGroup: createGroup("db", params) }),
      CreateDBClusterParameterGroup: (params) => ({ DBClusterParameterGroup: createGroup("cluster", params) }),
      DescribeDBParameterGroups: (params) => {
        const { items, ...rest } = describeGroups("db", params);
        return { DBParameterGroups: xmlList("DBParameterGroup", items), ...rest };
      },
      DescribeDBClusterParameterGroups: (params) => {
        const { items, ...rest } = describeGroups("cluster", params);
        return { DBClusterParameterGroups: xmlList("DBClusterParameterGroup", items), ...rest };
      },
      ModifyDBParameterGroup: (params) => {
        const group = state.group("db", String(params.DBParameterGroupName ?? "").toLowerCase());
        applyModifications(group, list(params.Parameters));
        return { DBParameterGroupName: group.name };
      },
      ModifyDBClusterParameterGroup: (params) => {
        const group = state.group("cluster", String(params.DBClusterParameterGroupName ?? "").toLowerCase());
        applyModifications(group, list(params.Parameters));
        return { DBClusterParameterGroupName: group.name };
      },
      DescribeDBParameters: (params) => groupParameters("db", params),
      DescribeDBClusterParameters: (params) => groupParameters("cluster", params),
      DeleteDBParameterGroup: (params) => deleteGroup("db", params),
      DeleteDBClusterParameterGroup: (params) => deleteGroup("cluster", params),
    },
    resourceArns(action, params) {
      const id = (v: unknown) => String(v ?? "").toLowerCase();
      const db = (v: unknown) => (String(v).startsWith("arn:") ? String(v) : state.arn("db", id(v)));
      const cluster = (v: unknown) => (String(v).startsWith("arn:") ? String(v) : state.arn("cluster", id(v)));
      switch (action) {
        case "DescribeDBInstances":
          return [params.DBInstanceIdentifier !== undefined ? db(params.DBInstanceIdentifier) : state.arn("db", "*")];
        case "CreateDBInstance": {
          const out = [db(params.DBInstanceIdentifier)];
          if (params.DBParameterGroupName) out.push(state.arn("pg", id(params.DBParameterGroupName)));
          if (params.DBClusterIdentifier) out.push(cluster(params.DBClusterIdentifier));
          return out;
        }
        case "DeleteDBInstance":
          return [db(params.DBInstanceIdentifier)];
        case "DescribeDBClusters":
          return [
            params.DBClusterIdentifier !== undefined ? cluster(params.DBClusterIdentifier) : state.arn("cluster", "*"),
          ];
        case "CreateDBCluster": {
          const out = [cluster(params.DBClusterIdentifier)];
          if (params.DBClusterParameterGroupName)
            out.push(state.arn("cluster-pg", id(params.DBClusterParameterGroupName)));
          return out;
        }
        case "DeleteDBCluster":
          return [cluster(params.DBClusterIdentifier)];
        case "DescribeDBParameterGroups":
          return [state.arn("pg", params.DBParameterGroupName !== undefined ? id(params.DBParameterGroupName) : "*")];
        case "DescribeDBClusterParameterGroups":
          return [
            state.arn(
              "cluster-pg",
              params.DBClusterParameterGroupName !== undefined ? id(params.DBClusterParameterGroupName) : "*",
            ),
          ];
        default:
          if (params.DBParameterGroupName !== undefined) return [state.arn("pg", id(params.DBParameterGroupName))];
          if (params.DBClusterParameterGroupName !== undefined)
            return [state.arn("cluster-pg", id(params.DBClusterParameterGroupName))];
          return ["*"];
      }
    },
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
