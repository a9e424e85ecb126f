/**
 * Task definition families and revisions: RegisterTaskDefinition echoes what
 * it was given (secrets, repositoryCredentials, logConfiguration, ...) plus
 * the fields ECS adds, so preflight checks read back exactly what was written.
 */
import type { Params } from "../../types";
import { clientException, type TaskDefinitionRecord } from "./model";

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
/** family:revision or the ARN of one: `arn:aws:ecs:us-west-2:123456789012:task-definition/web:3`. */
const REFERENCE = /^(?:arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/)?([A-Za-z0-9_-]{1,255})(?::(\d+))?$/;

export class TaskDefinitions {
  readonly families = new Map<string, TaskDefinitionRecord[]>();

  constructor(private readonly where: () => { region: string; account: string }) {}

  clear(): void {
    this.families.clear();
  }

  register(input: Params, registeredBy: string, seeded: boolean): TaskDefinitionRecord {
    const family = input.family;
    if (typeof family !== "string" || !FAMILY.test(family))
      throw clientException(
        "Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.",
      );
    const containers = input.containerDefinitions;
    if (!Array.isArray(containers) || containers.length === 0)
      throw clientException("Container definitions cannot be empty.");
    for (const c of containers as Params[]) {
      if (typeof c.name !== "string" || c.name === "")
        throw clientException("Container.name should not be null or empty.");
      if (typeof c.image !== "string" || c.image === "")
        throw clientException("Container.image should not be null or empty.");
    }
    const revisions = this.families.get(family) ?? [];
    const revision = (revisions[revisions.length - 1]?.revision ?? 0) + 1;
    const { region, account } = this.where();
    const { tags, ...rest } = input;
    const fargate = Array.isArray(input.requiresCompatibilities) && input.requiresCompatibilities.includes("FARGATE");
    const record: TaskDefinitionRecord = {
      family,
      revision,
      arn: `arn:aws:ecs:${region}:${account}:task-definition/${family}:${revision}`,
      status: "ACTIVE",
      body: {
        ...rest,
        containerDefinitions: (containers as Params[]).map((c) => ({
          environment: [],
          mountPoints: [],
          volumesFrom: [],
          portMappings: [],
          essential: true,
          ...c,
        })),
        networkMode: input.networkMode ?? (fargate ? "awsvpc" : "bridge"),
        volumes: input.volumes ?? [],
        placementConstraints: input.placementConstraints ?? [],
        compatibilities: fargate ? ["EC2", "FARGATE"] : ["EC2"],
        requiresAttributes: [],
      },
      registeredAt: new Date(),
      registeredBy,
      tags: Array.isArray(tags) ? tags : [],
      seeded,
    };
    revisions.push(record);
    this.families.set(family, revisions);
    return record;
  }

  /** `family` (latest ACTIVE revision), `family:revision` or the full ARN. */
  resolve(reference: unknown): TaskDefinitionRecord | undefined {
    const m = typeof reference === "string" ? REFERENCE.exec(reference) : null;
    if (!m) return undefined;
    const revisions = this.families.get(m[1] as string) ?? [];
    if (m[2] !== undefined) return revisions.find((r) => r.revision === Number(m[2]));
    return [...revisions].reverse().find((r) => r.status === "ACTIVE");
  }

  view(record: TaskDefinitionRecord): Params {
    return {
      taskDefinitionArn: record.arn,
      family: record.family,
      revision: record.revision,
      status: record.status,
      ...record.body,
      registeredAt: record.registeredAt,
      registeredBy: record.registeredBy,
      ...(record.deregisteredAt ? { deregisteredAt: record.deregisteredAt } : {}),
    };
  }

  all(): TaskDefinitionRecord[] {
    return [...this.families.values()].flat();
  }
}
