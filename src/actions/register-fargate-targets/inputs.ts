import { InputError } from "../../lib/errors";
import {
  type InputSource,
  readArn,
  readBoolean,
  readDurationMs,
  readList,
  readNumber,
  readOptionalString,
  readRegion,
  readString,
} from "../../lib/inputs";
import { readEvidenceDir } from "../../lib/paths";
import { CLUSTER_ARN, ECS_NAME as NAME, SERVICE_ARN } from "../../lib/task-port";

export interface Inputs {
  region: string;
  cluster: string;
  service: string | undefined;
  taskArns: string[];
  targetGroupArn: string;
  containerName: string | undefined;
  containerPort: number | undefined;
  onlyPrimaryDeployment: boolean;
  minTargets: number;
  wait: boolean;
  timeoutMs: number;
  deregisterOnPost: boolean;
  /** true: the post step leaves the targets registered (a kept ALB); unset: kept when ephemeral-alb kept this target group. */
  keep: boolean | undefined;
  evidenceDir: string;
}

const TASK_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/([A-Za-z0-9_-]+\/)?[a-f0-9]{32}$/;

export function readInputs(get: InputSource, env: NodeJS.ProcessEnv = process.env): Inputs {
  const region = readRegion(get, "aws-region", env);
  const cluster = readString(get, "cluster", { required: true });
  if (!NAME.test(cluster) && !CLUSTER_ARN.test(cluster)) {
    throw new InputError("cluster", `'${cluster}' is neither a cluster name nor a cluster ARN.`);
  }
  const service = readOptionalString(get, "service");
  if (service !== undefined && !NAME.test(service) && !SERVICE_ARN.test(service)) {
    throw new InputError("service", `'${service}' is neither a service name nor a service ARN.`);
  }
  const taskArns = readList(get, "task-arns", { commas: true });
  for (const arn of taskArns) {
    if (!TASK_ARN.test(arn)) {
      throw new InputError(
        "task-arns",
        `'${arn}' is not a task ARN (arn:aws:ecs:<region>:<account>:task/<cluster>/<id>).`,
      );
    }
  }
  if (service === undefined && taskArns.length === 0) {
    throw new InputError(
      "service",
      "is required unless 'task-arns' is given.",
      "Set 'service' to the ECS service name.",
    );
  }
  if (service !== undefined && taskArns.length > 0) {
    throw new InputError("task-arns", "cannot be combined with 'service'.", "Give one of them.");
  }
  const targetGroupArn = readArn(get, "target-group-arn", {
    service: "elasticloadbalancing",
    resourcePrefix: "targetgroup/",
    required: true,
  }) as string;
  const containerPortRaw = readOptionalString(get, "container-port");
  return {
    region,
    cluster,
    service,
    taskArns,
    targetGroupArn,
    containerName: readOptionalString(get, "container-name"),
    containerPort:
      containerPortRaw === undefined
        ? undefined
        : readNumber(get, "container-port", { default: 0, min: 1, max: 65535 }),
    onlyPrimaryDeployment: readBoolean(get, "only-primary-deployment", true),
    minTargets: readNumber(get, "min-targets", { default: 1, min: 1, max: 1000 }),
    wait: readBoolean(get, "wait", true),
    timeoutMs: readDurationMs(get, "timeout-seconds", { defaultMs: 600_000, minMs: 5_000, maxMs: 3_600_000 }),
    deregisterOnPost: readBoolean(get, "deregister-on-post", true),
    keep: get("keep").trim() === "" ? undefined : readBoolean(get, "keep", false),
    evidenceDir: readEvidenceDir(get, env),
  };
}
