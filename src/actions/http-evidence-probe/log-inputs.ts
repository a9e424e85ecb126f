// Inputs of the server-side evidence: which CloudWatch Logs group to search, and the correlation header.
import { randomBytes } from "node:crypto";
import { InputError } from "../../lib/errors";
import {
  type InputSource,
  readBoolean,
  readNumber,
  readOptionalString,
  readRegion,
  readString,
} from "../../lib/inputs";
import type { ProbeSpec } from "./inputs";
import { readFilterPattern } from "./probe-list";

export interface LogSettings {
  region: string;
  /** The group to search; undefined: the `awslogs-group` of the service's task definition. */
  group?: string;
  /** Where to find the group (and the stream prefix) when `group` is not given. */
  service?: { cluster: string; service: string; container?: string };
  /** Only streams whose names start with this (awslogs: `<prefix>/<container>/`). */
  streamPrefix?: string;
  /** Applies to every probe without its own; default `{ $.route = "<path>" }`. */
  filterPattern?: string;
  waitMs: number;
  expectLog: boolean;
}

export interface Correlation {
  /** The request header carrying `<run-id>-<probe>-<attempt>`; undefined: none is sent. */
  header?: string;
  runId: string;
}

// CreateLogGroup's constraint: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const GROUP_ARN = /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:([^:]+)(:\*)?$/;
const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const ECS_CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
const ECS_SERVICE_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]+\/)?[A-Za-z0-9_-]{1,255}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const RUN_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export function readCorrelation(get: InputSource, env: NodeJS.ProcessEnv): Correlation {
  const header = readString(get, "request-id-header", { default: "X-Request-Id" });
  const off = header === "none";
  if (!off && !HEADER_NAME.test(header)) {
    throw new InputError("request-id-header", `'${header}' is not a valid HTTP header name.`);
  }
  const fallback = env.GITHUB_RUN_ID
    ? `${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT || "1"}`
    : `local-${randomBytes(4).toString("hex")}`;
  const runId = readString(get, "run-id", { default: fallback });
  if (!RUN_ID.test(runId)) {
    throw new InputError(
      "run-id",
      `'${runId}' must be 1-64 letters, digits, '_', '.' or '-' (it becomes part of every request id).`,
    );
  }
  return off ? { runId } : { header, runId };
}

function readGroup(get: InputSource): string | "off" | undefined {
  const raw = readOptionalString(get, "log-group");
  if (raw === undefined) return undefined;
  if (raw === "off") return "off";
  const name = GROUP_ARN.exec(raw)?.[1] ?? raw;
  if (!GROUP_NAME.test(name)) {
    throw new InputError(
      "log-group",
      `'${raw}' is not a CloudWatch Logs group name (1-512 of letters, digits, '.', '-', '_', '/', '#') or ARN.`,
      "Example: /ecs/papyrus. Use 'off' to search no logs.",
    );
  }
  return name;
}

/** The log search, or undefined when it is off (no `log-group`, no `cluster`/`service`, or `log-group: off`). */
export function readLogSettings(
  get: InputSource,
  env: NodeJS.ProcessEnv,
  probes: ProbeSpec[],
): LogSettings | undefined {
  const group = readGroup(get);
  const cluster = readOptionalString(get, "cluster");
  const service = readOptionalString(get, "service");
  if ((cluster === undefined) !== (service === undefined)) {
    throw new InputError(
      cluster === undefined ? "cluster" : "service",
      "is needed with the other: the log group comes from the service's task definition.",
      "Set both 'cluster' and 'service', or 'log-group'.",
    );
  }
  if (cluster !== undefined && !ECS_NAME.test(cluster) && !ECS_CLUSTER_ARN.test(cluster)) {
    throw new InputError("cluster", `'${cluster}' is neither a cluster name nor a cluster ARN.`);
  }
  if (service !== undefined && !ECS_NAME.test(service) && !ECS_SERVICE_ARN.test(service)) {
    throw new InputError("service", `'${service}' is neither a service name nor a service ARN.`);
  }
  const expectLog = readBoolean(get, "expect-log", false);
  const off = group === "off" || (group === undefined && cluster === undefined);
  if (off) {
    const why = group === "off" ? "'log-group' is off" : "neither 'log-group' nor 'cluster'/'service' is set";
    if (expectLog) {
      throw new InputError(
        "expect-log",
        `is true but ${why}, so there is no log group to search.`,
        "Set 'log-group' (e.g. /ecs/papyrus), or 'cluster' and 'service' to use the awslogs-group of the service's task definition.",
      );
    }
    const wanting = probes.find((p) => p.expectLog === true);
    if (wanting) {
      throw new InputError(
        "probes",
        `probe '${wanting.name}' sets expect-log: true but ${why}.`,
        "Set 'log-group', or 'cluster' and 'service'.",
      );
    }
    return undefined;
  }
  const settings: LogSettings = {
    region: readRegion(get, "aws-region", env),
    waitMs: Math.round(readNumber(get, "log-wait-seconds", { default: 30, min: 0, max: 900, integer: false }) * 1000),
    expectLog,
  };
  if (group !== undefined && group !== "off") settings.group = group;
  else if (cluster !== undefined && service !== undefined) {
    const container = readOptionalString(get, "container-name");
    settings.service = { cluster, service, ...(container !== undefined ? { container } : {}) };
  }
  const prefix = readOptionalString(get, "log-stream-prefix");
  if (prefix !== undefined) {
    if (/[:*]/.test(prefix) || prefix.length > 512)
      throw new InputError("log-stream-prefix", `'${prefix}' cannot be a log stream name prefix (no ':' or '*').`);
    settings.streamPrefix = prefix;
  }
  const pattern = readOptionalString(get, "log-filter-pattern");
  if (pattern !== undefined) settings.filterPattern = readFilterPattern("log-filter-pattern", pattern, "");
  return settings;
}

/** The default filter pattern: the app's one-line JSON log entries for this route. */
export function routeFilterPattern(path: string): string {
  return `{ $.route = "${path.replace(/["\\]/g, "\\$&")}" }`;
}
