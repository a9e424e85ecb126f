/**
 * The DB and DB cluster parameter group operations: both kinds share one
 * implementation and differ only in names (`DBClusterParameterGroupName`,
 * `cluster-pg` ARNs, `<DBClusterParameterGroup>` members).
 */
import { AwsError } from "../../errors";
import { xmlList } from "../../protocol";
import type { Handler, Params } from "../../types";
import { page } from "../paging";
import { invalidParameterValue } from "./model";
import { applyModifications, describeParameters, type ParameterGroup } from "./parameters";
import { badMarker, list, records } from "./query";
import type { RdsState } from "./state";

export function parameterGroupHandlers(state: RdsState): Record<string, Handler> {
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

  return {
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
  };
}
