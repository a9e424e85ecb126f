import { readCaFile } from "../../lib/ca-file";
import { InputError } from "../../lib/errors";
import { type InputSource, readBoolean, readEnum, readList, readNumber, readString, readYaml } from "../../lib/inputs";
import { readEvidenceDir } from "../../lib/paths";
import type { StatusRange } from "./expectations";
import { SENSITIVE_HEADER } from "./http";
import { type Correlation, type LogSettings, readCorrelation, readLogSettings } from "./log-inputs";
import {
  type Defaults,
  joinUrl,
  lowerKeys,
  METHODS,
  parseResolve,
  parseUrl,
  probeNameFromPath,
  readHeaderMap,
  readJsonExpectations,
  readProbeList,
  readStatus,
  uniqueNames,
} from "./probe-list";
import { type ProxySettings, readProxySettings } from "./proxy";
import { trustedCas } from "./tls-info";

export { probeNameFromPath };

export interface Expectations {
  status: StatusRange[];
  /** The text form of `status`, for reports. */
  statusText: string;
  /** Dotted path -> expected value (deep equality). */
  json: Record<string, unknown>;
  bodyContains: string[];
  /** Lower-cased header name -> text the value must contain. */
  headers: Record<string, string>;
}

export interface ProbeSpec {
  name: string;
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  expect: Expectations;
  /** Per probe, overriding the step's `expect-log`. */
  expectLog?: boolean;
  /** Per probe, overriding the step's `log-filter-pattern` and the default built from the path. */
  logFilterPattern?: string;
}

export interface ResolveEntry {
  host: string;
  /** `*` matches any port, as in curl. */
  port: string;
  address: string;
}

export interface ProbeInputs {
  probes: ProbeSpec[];
  resolve: ResolveEntry[];
  timeoutMs: number;
  deadlineMs: number;
  intervalMs: number;
  maxBodyBytes: number;
  followRedirects: boolean;
  insecure: boolean;
  /** `ca-file`: the CAs https requests trust (the default store plus the file's), and the file. */
  ca?: string[];
  caFile?: string;
  evidenceDir: string;
  failOn: "any-failure" | "never";
  latencySamples: number;
  latencyP90MaxMs?: number;
  /** From the `proxy` input or, as curl does, the environment; undefined = direct. */
  proxy?: ProxySettings;
  /** Header values that must never reach logs or evidence (Authorization, cookies, API keys). */
  secrets: string[];
  /** The correlation header every request carries. */
  correlation: Correlation;
  /** The server-side evidence search; undefined when off. */
  logs?: LogSettings;
}

export function readProbeInputs(get: InputSource, env: NodeJS.ProcessEnv = process.env): ProbeInputs {
  const url = readString(get, "url");
  const baseUrl = readString(get, "base-url");
  const paths = readList(get, "paths");
  const probesRaw = readString(get, "probes");

  if (url && probesRaw) {
    throw new InputError(
      "url",
      "and 'probes' are both set.",
      "Use 'url' for one URL, or 'probes' for a list (not both).",
    );
  }
  if (url && (baseUrl || paths.length > 0)) {
    throw new InputError("url", "and 'base-url'/'paths' are both set.", "Use 'url' alone, or 'base-url' with 'paths'.");
  }
  if (paths.length > 0 && probesRaw) {
    throw new InputError("paths", "and 'probes' are both set.", "List the paths as probes instead.");
  }
  if (paths.length > 0 && !baseUrl) throw new InputError("paths", "is set but 'base-url' is empty.");
  if (!url && !probesRaw && paths.length === 0) {
    throw new InputError(
      baseUrl ? "paths" : "url",
      baseUrl ? "is empty: say which paths of 'base-url' to probe." : "no URL to probe.",
      "Set 'url', or 'base-url' with 'paths', or 'probes'.",
    );
  }

  const statusText = readString(get, "expect-status", { default: "200-399" });
  const status = readStatus("expect-status", statusText, "");
  const defaults: Defaults = {
    method: readString(get, "method", { default: "GET" }).toUpperCase(),
    headers: readHeaderMap("headers", get("headers"), ""),
    expect: {
      status: status.ranges,
      statusText: status.text,
      json: readJsonExpectations("expect-json", readYaml(get, "expect-json"), ""),
      bodyContains: readList(get, "expect-body-contains"),
      headers: lowerKeys(readHeaderMap("expect-header", get("expect-header"), "")),
    },
  };
  if (!METHODS.includes(defaults.method)) {
    throw new InputError("method", `'${defaults.method}' is not one of ${METHODS.join(", ")}.`);
  }

  const base = baseUrl ? parseUrl("base-url", baseUrl, "") : undefined;
  let probes: ProbeSpec[];
  if (probesRaw) {
    probes = readProbeList(get, base, defaults);
    uniqueNames(probes, true);
  } else {
    const urls = url ? [parseUrl("url", url, "")] : paths.map((p) => joinUrl(base as URL, p));
    probes = urls.map((u) => ({ name: probeNameFromPath(u.pathname), url: u, ...defaults }));
    uniqueNames(probes, false);
  }

  const secondsMs = (name: string, def: number, min: number) =>
    Math.round(readNumber(get, name, { default: def, min, integer: false }) * 1000);
  const timeoutMs = secondsMs("timeout-seconds", 10, 0);
  if (timeoutMs === 0) throw new InputError("timeout-seconds", "must be more than 0 (seconds per request).");
  const deadlineMs = secondsMs("deadline-seconds", 120, 0);
  const intervalMs = secondsMs("interval-seconds", 2, 0);
  const latencySamples = readNumber(get, "latency-samples", { default: 0, min: 0, max: 1000 });
  const p90Raw = readString(get, "latency-p90-max-ms");
  const inputs: ProbeInputs = {
    probes,
    resolve: parseResolve("resolve", readList(get, "resolve")),
    timeoutMs,
    deadlineMs,
    intervalMs,
    maxBodyBytes: readNumber(get, "max-body-bytes", { default: 1024 * 1024, min: 0 }),
    followRedirects: readBoolean(get, "follow-redirects", false),
    insecure: readBoolean(get, "insecure", false),
    evidenceDir: readEvidenceDir(get, env),
    failOn: readEnum(get, "fail-on", ["any-failure", "never"] as const, "any-failure"),
    latencySamples,
    secrets: [],
    correlation: readCorrelation(get, env),
  };
  const caFile = readCaFile(get, env);
  if (caFile) {
    inputs.ca = trustedCas(caFile.pems);
    inputs.caFile = caFile.path;
  }
  const logs = readLogSettings(get, env, probes);
  if (logs) inputs.logs = logs;
  if (p90Raw !== "") {
    inputs.latencyP90MaxMs = readNumber(get, "latency-p90-max-ms", { default: 0, min: 1, integer: false });
    if (latencySamples === 0) {
      throw new InputError(
        "latency-p90-max-ms",
        "is set but 'latency-samples' is 0, so there is nothing to compare.",
        "Set 'latency-samples' (e.g. 20).",
      );
    }
  }
  const proxy = readProxySettings("proxy", readString(get, "proxy"), env);
  if (proxy) {
    inputs.proxy = proxy;
    for (const u of [proxy.http, proxy.https]) if (u?.password) inputs.secrets.push(decodeURIComponent(u.password));
  }
  for (const p of probes) {
    for (const [k, v] of Object.entries(p.headers)) if (SENSITIVE_HEADER.test(k) && v) inputs.secrets.push(v);
    if (p.url.password) inputs.secrets.push(decodeURIComponent(p.url.password));
  }
  return inputs;
}
