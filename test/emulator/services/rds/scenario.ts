/** The `rds` section of a scenario (format in test/emulator/docs/rds.md). */
import type { Params } from "../../types";
import type { ClusterSpec, InstanceSpec, RdsState } from "./state";

type ManagedSecretSpec = boolean | NonNullable<InstanceSpec["managedSecret"]>;

/** A scenario entry: the spec without bookkeeping, tags as a map, `masterUserSecret` instead of `managedSecret`. */
type Entry<T> = Omit<T, "seeded" | "managedSecret" | "tags" | "engine"> & {
  engine?: string;
  tags?: Record<string, string>;
  masterUserSecret?: ManagedSecretSpec;
};

export interface RdsScenario {
  parameterGroups?: {
    name: string;
    family: string;
    description?: string;
    /** A DB cluster parameter group instead of a DB parameter group. */
    cluster?: boolean;
    parameters?: Record<string, string | number>;
  }[];
  clusters?: Entry<ClusterSpec>[];
  instances?: Entry<InstanceSpec>[];
}

const tags = (t: Record<string, string> | undefined): Params[] =>
  Object.entries(t ?? {}).map(([Key, Value]) => ({ Key, Value }));

const secretSpec = (s: ManagedSecretSpec | undefined) =>
  s === undefined || s === false ? {} : { managedSecret: s === true ? {} : s };

export function loadRdsScenario(state: RdsState, section: RdsScenario): void {
  for (const g of section.parameterGroups ?? []) {
    if (typeof g.name !== "string" || typeof g.family !== "string")
      throw new Error("rds scenario: every parameter group needs name and family");
    state.addGroup({
      name: g.name.toLowerCase(),
      family: g.family,
      description: g.description ?? g.name,
      kind: g.cluster ? "cluster" : "db",
      isDefault: false,
      tags: [],
      seeded: true,
      values: Object.fromEntries(Object.entries(g.parameters ?? {}).map(([k, v]) => [k, String(v)])),
    });
  }
  for (const c of section.clusters ?? []) {
    if (typeof c.id !== "string" || typeof c.masterUsername !== "string")
      throw new Error("rds scenario: every cluster needs id and masterUsername");
    const { tags: t, masterUserSecret, engine, ...rest } = c;
    state.addCluster({
      ...rest,
      id: c.id.toLowerCase(),
      engine: engine ?? "aurora-postgresql",
      status: c.status ?? "available",
      tags: tags(t),
      ...secretSpec(masterUserSecret),
      seeded: true,
    });
  }
  for (const i of section.instances ?? []) {
    if (typeof i.id !== "string") throw new Error("rds scenario: every instance needs an id");
    const { tags: t, masterUserSecret, engine, ...rest } = i;
    const clusterEngine = i.clusterId ? state.findCluster(i.clusterId)?.engine : undefined;
    state.addInstance({
      ...rest,
      id: i.id.toLowerCase(),
      engine: engine ?? clusterEngine ?? "postgres",
      status: i.status ?? "available",
      tags: tags(t),
      ...secretSpec(masterUserSecret),
      seeded: true,
    });
  }
}
