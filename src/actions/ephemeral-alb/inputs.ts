import { InputError } from "../../lib/errors";
import {
  type InputSource,
  isPlainObject,
  readBoolean,
  readDurationMs,
  readEnum,
  readList,
  readNumber,
  readOptionalString,
  readRegion,
  readString,
  readYaml,
} from "../../lib/inputs";
import { readEvidenceDir } from "../../lib/paths";
import { CLUSTER_ARN, ECS_NAME, SERVICE_ARN } from "../../lib/task-port";
import { type JobIdentity, jobIdentity } from "./cycle-file";
import { type HttpsSettings, readHttps } from "./https";
import { defaultPrefix, prefixProblem, type RunIdentity } from "./naming";
import { TAG_EXPIRES_AT, TAG_NAME, TAG_REPOSITORY, TAG_RUN_ID } from "./tags";

export interface HealthCheckSettings {
  path: string;
  matcher: string;
  intervalSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

export interface CreateInputs {
  mode: "create";
  region: string;
  vpcId: string;
  subnetIds: string[];
  taskSecurityGroupId: string | undefined;
  /** The port the target group and the task ingress use: `container-port`, else the service's task definition's, else 5000. */
  containerPort: number;
  /** Whether `container-port` was given (else it is the default, until the service's task definition says otherwise). */
  containerPortGiven: boolean;
  /** The service whose task definition gives the container port. */
  service: { cluster: string; service: string; containerName: string | undefined } | undefined;
  listenerPort: number;
  /** The HTTPS listener (`certificate-arn`), when asked for. */
  https: HttpsSettings | undefined;
  healthCheck: HealthCheckSettings;
  scheme: "internet-facing" | "internal";
  /** `auto` (look up the runner's egress IP) or explicit CIDRs. */
  ingressCidrs: "auto" | string[];
  checkipUrl: string;
  namePrefix: string;
  identity: RunIdentity;
  extraTags: Record<string, string>;
  ttlMinutes: number;
  keep: boolean;
  /** false: outputs as soon as the load balancer, target group and listener exist (still provisioning). */
  waitUntilActive: boolean;
  timeoutMs: number;
  evidenceDir: string;
}

export interface SweepInputs {
  mode: "sweep";
  region: string;
  dryRun: boolean;
  /** Sweep this run's resources whatever their expiry. */
  runId: string | undefined;
  /** Only cycles whose name starts with `<prefix>-`. */
  namePrefix: string | undefined;
  /** Only cycles whose expiry passed at least this long ago. */
  olderThanMinutes: number | undefined;
  timeoutMs: number;
  evidenceDir: string;
}

/** `mode: destroy`: this job's cycles, from the create step's state file in RUNNER_TEMP. */
export interface DestroyInputs {
  mode: "destroy";
  region: string;
  /** Only the cycles whose name starts with `<prefix>-`. */
  namePrefix: string | undefined;
  runnerTemp: string;
  job: JobIdentity;
  timeoutMs: number;
  evidenceDir: string;
}

export type Inputs = CreateInputs | SweepInputs | DestroyInputs;

const RESERVED_TAGS = [TAG_RUN_ID, TAG_EXPIRES_AT, TAG_REPOSITORY, TAG_NAME];

export function identityFromEnv(env: NodeJS.ProcessEnv, leg: string): RunIdentity {
  return {
    repository: env.GITHUB_REPOSITORY ?? "local/local",
    runId: env.GITHUB_RUN_ID ?? "local",
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? "1",
    job: env.GITHUB_JOB ?? "",
    step: env.GITHUB_ACTION ?? "",
    leg,
    runner: env.RUNNER_NAME ?? "",
  };
}

function readPort(get: InputSource, name: string, fallback: number): number {
  return readNumber(get, name, { default: fallback, min: 1, max: 65535 });
}

function readService(get: InputSource): CreateInputs["service"] {
  const cluster = readOptionalString(get, "cluster");
  const service = readOptionalString(get, "service");
  const containerName = readOptionalString(get, "container-name");
  if (cluster === undefined && service === undefined) {
    if (containerName !== undefined) {
      throw new InputError(
        "container-name",
        "needs 'cluster' and 'service' (the task definition it names a container of).",
      );
    }
    return undefined;
  }
  if (cluster === undefined || service === undefined) {
    const missing = cluster === undefined ? "cluster" : "service";
    throw new InputError(
      missing,
      `is required with '${missing === "cluster" ? "service" : "cluster"}' (the container port is read from the service's task definition).`,
      "Give both, or neither.",
    );
  }
  if (!ECS_NAME.test(cluster) && !CLUSTER_ARN.test(cluster)) {
    throw new InputError("cluster", `'${cluster}' is neither a cluster name nor a cluster ARN.`);
  }
  if (!ECS_NAME.test(service) && !SERVICE_ARN.test(service)) {
    throw new InputError("service", `'${service}' is neither a service name nor a service ARN.`);
  }
  return { cluster, service, containerName };
}

function readIds(get: InputSource, name: string, pattern: RegExp, example: string): string[] {
  const ids = readList(get, name, { commas: true });
  for (const id of ids) {
    if (!pattern.test(id)) throw new InputError(name, `'${id}' is not an ID like ${example}.`);
  }
  return ids;
}

/** Explicit CIDRs must be IPv4 CIDRs; a bare address becomes /32. */
function readCidrs(get: InputSource): "auto" | string[] {
  const raw = readList(get, "ingress-cidrs", { commas: true });
  if (raw.length === 0 || (raw.length === 1 && raw[0] === "auto")) return "auto";
  const cidrs = raw.map((c) => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(c);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || (m[5] !== undefined && Number(m[5]) > 32)) {
      throw new InputError("ingress-cidrs", `'${c}' is not an IPv4 CIDR (like 203.0.113.7/32) or 'auto'.`);
    }
    return m[5] === undefined ? `${c}/32` : c;
  });
  // The same CIDR twice (`203.0.113.7, 203.0.113.7/32`) would be the same permission twice in one
  // AuthorizeSecurityGroupIngress, which EC2 refuses ("The same permission must not appear multiple times").
  return [...new Set(cidrs)];
}

/**
 * ELBv2's tag rules (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Tag.html):
 * keys 1-128 and values 0-256 characters of letters, digits, spaces and `_ . : / = + - @`,
 * and at most 50 tags per resource (EC2 allows the same 50). Checked here so a tag ELB
 * would refuse fails the step before the security group is created.
 */
const ELB_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_TAGS = 50;

function readTags(get: InputSource): Record<string, string> {
  const value = readYaml(get, "tags");
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new InputError("tags", "must be a mapping of tag keys to values (YAML or JSON).");
  const tags: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (RESERVED_TAGS.includes(key) || key.startsWith("aws:")) {
      throw new InputError("tags", `the key '${key}' is reserved (set by the action or by AWS).`);
    }
    const text = String(v ?? "");
    if (key.length === 0 || key.length > 128 || text.length > 256) {
      throw new InputError("tags", `'${key}' is empty or too long (keys 1-128, values ≤ 256 characters).`);
    }
    for (const [what, value] of [
      ["key", key],
      ["value", text],
    ] as const) {
      if (!ELB_TAG_TEXT.test(value)) {
        throw new InputError(
          "tags",
          `the ${what} '${value}' of tag '${key}' has characters Elastic Load Balancing refuses.`,
          "Use letters, digits, spaces and _ . : / = + - @ only.",
        );
      }
    }
    tags[key] = text;
  }
  const count = Object.keys(tags).length;
  if (count + RESERVED_TAGS.length > MAX_TAGS) {
    throw new InputError(
      "tags",
      `${count} tags plus the action's ${RESERVED_TAGS.length} make ${count + RESERVED_TAGS.length}; AWS allows ${MAX_TAGS} per resource.`,
      `Give at most ${MAX_TAGS - RESERVED_TAGS.length}.`,
    );
  }
  return tags;
}

const MATCHER = /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/;

/**
 * ELBv2's Matcher.HttpCode for an Application Load Balancer: "you can specify values between 200 and 499"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Matcher.html); a range runs low to high.
 * Checked here so the step fails before it creates anything, not at CreateTargetGroup.
 */
function matcherRangeProblem(matcher: string): string | undefined {
  for (const part of matcher.split(",")) {
    const [from, to = from] = part.split("-").map(Number) as [number, number?];
    const outside = [from, to].find((c) => c < 200 || c > 499);
    if (outside !== undefined)
      return `'${matcher}': ${outside} is outside 200-499, the codes an Application Load Balancer's health check accepts.`;
    if (to < from) return `'${matcher}': the range '${part}' runs backwards; write it low to high.`;
  }
  return undefined;
}

/**
 * The mode each input belongs to (`both`: every mode; `mode: destroy` takes
 * only those). An input of another mode is refused, not
 * ignored: `dry-run: true` in create mode used to create real resources, and
 * create inputs on a sweep used to sweep every expired cycle of the account.
 * A test keeps this table equal to action.yml, so a new input cannot skip it.
 */
export const INPUT_MODES = {
  mode: "both",
  "aws-region": "both",
  "timeout-seconds": "both",
  "evidence-dir": "both",
  "name-prefix": "both",
  // Read by runAction for every action (lib/job-report.ts).
  "mask-account-ids": "both",
  "vpc-id": "create",
  "subnet-ids": "create",
  "task-security-group-id": "create",
  "container-port": "create",
  cluster: "create",
  service: "create",
  "container-name": "create",
  "listener-port": "create",
  "certificate-arn": "create",
  "https-port": "create",
  "ssl-policy": "create",
  "redirect-http": "create",
  "health-check-path": "create",
  "health-check-matcher": "create",
  "health-check-interval-seconds": "create",
  "healthy-threshold": "create",
  "unhealthy-threshold": "create",
  scheme: "create",
  "ingress-cidrs": "create",
  "checkip-url": "create",
  leg: "create",
  tags: "create",
  "ttl-minutes": "create",
  keep: "create",
  "wait-until-active": "create",
  "dry-run": "sweep",
  "run-id": "sweep",
  "older-than-minutes": "sweep",
} as const satisfies Record<string, "create" | "sweep" | "both">;

/** Booleans of the other mode may be `false` (a workflow passing `dry-run: ${{ inputs.dry-run }}`); nothing else may be set. */
const OFF = /^(false|False|FALSE)$/;

type Mode = "create" | "sweep" | "destroy";

function refuseOtherModeInputs(get: InputSource, mode: Mode): void {
  const given = Object.entries(INPUT_MODES)
    .filter(([, owner]) => owner !== "both" && owner !== mode)
    .filter(([name]) => get(name).trim() !== "" && !OFF.test(get(name).trim()));
  const [first] = given;
  if (first === undefined) return;
  const [name, owner] = first;
  const done = { create: "created", sweep: "swept", destroy: "destroyed" }[mode];
  const hint = {
    create: "Set 'mode: sweep' to sweep (or list with dry-run), or remove the sweep inputs from this step.",
    sweep:
      "Remove the create inputs from the sweep step, and scope the sweep with 'run-id', 'name-prefix' or 'older-than-minutes'.",
    destroy:
      "Remove them: 'mode: destroy' takes what to destroy from the create step of this job (its state in RUNNER_TEMP), not from inputs.",
  }[mode];
  throw new InputError(
    name,
    `belongs to 'mode: ${owner}', but this step runs 'mode: ${mode}'${
      given.length > 1
        ? ` (also given: ${given
            .slice(1)
            .map(([n]) => n)
            .join(", ")})`
        : ""
    }; nothing was ${done}.`,
    hint,
  );
}

function readDestroyInputs(
  get: InputSource,
  env: NodeJS.ProcessEnv,
  base: Pick<DestroyInputs, "region" | "timeoutMs" | "evidenceDir">,
): DestroyInputs {
  const namePrefix = readOptionalString(get, "name-prefix");
  const problem = namePrefix !== undefined ? prefixProblem(namePrefix) : undefined;
  if (problem) throw new InputError("name-prefix", problem);
  const runnerTemp = env.RUNNER_TEMP ?? "";
  if (runnerTemp === "") {
    throw new InputError(
      "mode",
      "'destroy' reads the create step's state from RUNNER_TEMP, which is not set (this is not an Actions runner); nothing was destroyed.",
      "Run it as a step of the job that created the ALB, or remove leftovers with 'mode: sweep' and 'run-id'.",
    );
  }
  return { mode: "destroy", ...base, namePrefix, runnerTemp, job: jobIdentity(env) };
}

function readSweepInputs(
  get: InputSource,
  base: Pick<SweepInputs, "region" | "timeoutMs" | "evidenceDir">,
): SweepInputs {
  const runId = readOptionalString(get, "run-id");
  const namePrefix = readOptionalString(get, "name-prefix");
  const problem = namePrefix !== undefined ? prefixProblem(namePrefix) : undefined;
  if (problem) throw new InputError("name-prefix", problem);
  const olderThan =
    get("older-than-minutes").trim() === ""
      ? undefined
      : readNumber(get, "older-than-minutes", { default: 0, min: 0, max: 525_600 });
  if (runId === undefined && namePrefix === undefined && olderThan === undefined) {
    throw new InputError(
      "mode",
      "'sweep' needs a scope: nothing was swept, because a sweep without one would delete every expired cycle of every repository in the account and region.",
      "Set 'run-id' (one run's resources), 'name-prefix' (the cycles of your workflows, like eas-papyrus) and/or 'older-than-minutes' (cycles expired at least that long ago; 0 for every expired cycle).",
    );
  }
  return {
    mode: "sweep",
    ...base,
    dryRun: readBoolean(get, "dry-run", false),
    runId,
    namePrefix,
    olderThanMinutes: olderThan,
  };
}

export function readInputs(get: InputSource, env: NodeJS.ProcessEnv = process.env): Inputs {
  const mode = readEnum(get, "mode", ["create", "sweep", "destroy"] as const, "create");
  refuseOtherModeInputs(get, mode);
  const region = readRegion(get, "aws-region", env);
  const timeoutMs = readDurationMs(get, "timeout-seconds", { defaultMs: 600_000, minMs: 10_000, maxMs: 3_600_000 });
  const evidenceDir = readEvidenceDir(get, env);
  if (mode === "sweep") return readSweepInputs(get, { region, timeoutMs, evidenceDir });
  if (mode === "destroy") return readDestroyInputs(get, env, { region, timeoutMs, evidenceDir });

  const vpcId = readString(get, "vpc-id", { required: true });
  if (!/^vpc-[0-9a-f]{8,17}$/.test(vpcId))
    throw new InputError("vpc-id", `'${vpcId}' is not a VPC ID like vpc-0a1b2c3d.`);
  const subnetIds = readIds(get, "subnet-ids", /^subnet-[0-9a-f]{8,17}$/, "subnet-0a1b2c3d");
  if (new Set(subnetIds).size < 2) {
    throw new InputError(
      "subnet-ids",
      `needs at least two subnets in different Availability Zones (an Application Load Balancer requires two), got ${subnetIds.length === 0 ? "none" : subnetIds.join(", ")}.`,
      "List one subnet per AZ, comma or newline separated.",
    );
  }
  const taskSg = readOptionalString(get, "task-security-group-id");
  if (taskSg !== undefined && !/^sg-[0-9a-f]{8,17}$/.test(taskSg)) {
    throw new InputError("task-security-group-id", `'${taskSg}' is not a security group ID like sg-0a1b2c3d.`);
  }
  const path = readString(get, "health-check-path", { default: "/healthz" });
  if (!path.startsWith("/") || path.length > 1024) {
    throw new InputError("health-check-path", `must start with '/' (like /healthz), got '${path}'.`);
  }
  const matcher = readString(get, "health-check-matcher", { default: "200-399" });
  if (!MATCHER.test(matcher)) {
    throw new InputError("health-check-matcher", `'${matcher}' is not an HTTP code list like 200, 200-399 or 200,302.`);
  }
  const matcherProblem = matcherRangeProblem(matcher);
  if (matcherProblem) throw new InputError("health-check-matcher", matcherProblem);
  const healthCheck: HealthCheckSettings = {
    path,
    matcher,
    intervalSeconds: readNumber(get, "health-check-interval-seconds", { default: 5, min: 5, max: 300 }),
    healthyThreshold: readNumber(get, "healthy-threshold", { default: 2, min: 2, max: 10 }),
    unhealthyThreshold: readNumber(get, "unhealthy-threshold", { default: 2, min: 2, max: 10 }),
  };
  const scheme = readEnum(get, "scheme", ["internet-facing", "internal"] as const, "internet-facing");
  const ingressCidrs = readCidrs(get);
  if (ingressCidrs === "auto" && scheme === "internal") {
    throw new InputError(
      "ingress-cidrs",
      "'auto' uses the runner's public egress IP, which cannot reach an internal load balancer.",
      "Give the CIDRs of your self-hosted runners (for example the VPC CIDR).",
    );
  }
  const repository = env.GITHUB_REPOSITORY ?? "local/local";
  const namePrefix = readString(get, "name-prefix", { default: defaultPrefix(repository) });
  const problem = prefixProblem(namePrefix);
  if (problem)
    throw new InputError("name-prefix", problem, "Choose a shorter prefix or leave it empty for the default.");
  const checkipUrl = readString(get, "checkip-url", { default: "https://checkip.amazonaws.com" });
  const listenerPort = readPort(get, "listener-port", 80);
  if (!/^https?:\/\/[^\s]+$/.test(checkipUrl)) {
    throw new InputError("checkip-url", `'${checkipUrl}' is not an http(s) URL.`);
  }

  return {
    mode,
    region,
    vpcId,
    subnetIds,
    taskSecurityGroupId: taskSg,
    containerPort: readPort(get, "container-port", 5000),
    listenerPort,
    https: readHttps(get, region, listenerPort),
    containerPortGiven: get("container-port").trim() !== "",
    service: readService(get),
    healthCheck,
    scheme,
    ingressCidrs,
    checkipUrl,
    namePrefix,
    identity: identityFromEnv(env, readString(get, "leg")),
    extraTags: readTags(get),
    ttlMinutes: readNumber(get, "ttl-minutes", { default: 60, min: 5, max: 10_080 }),
    keep: readBoolean(get, "keep", false),
    waitUntilActive: readBoolean(get, "wait-until-active", true),
    timeoutMs,
    evidenceDir,
  };
}
