import { InputError } from "../../lib/errors";
import {
  assertKnownKeys,
  type InputSource,
  isPlainObject,
  readBoolean,
  readEnum,
  readList,
  readNumber,
  readString,
  readYaml,
} from "../../lib/inputs";
import { parseStatusRanges, type StatusRange } from "./expectations";

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
  evidenceDir: string;
  failOn: "any-failure" | "never";
  latencySamples: number;
  latencyP90MaxMs?: number;
  /** Header values that must never reach logs or evidence (Authorization, cookies, API keys). */
  secrets: string[];
}

const PROBE_KEYS = [
  "name",
  "url",
  "path",
  "method",
  "headers",
  "body",
  "expect-status",
  "expect-json",
  "expect-body-contains",
  "expect-header",
] as const;
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|x-auth-token)$|token|secret|password/i;

/** `/healthz` -> `healthz`, `/` -> `root`, `/api/v1/status` -> `api_v1_status`. */
export function probeNameFromPath(path: string): string {
  const clean = path
    .split("?")[0]
    ?.replace(/^\/+|\/+$/g, "")
    .replace(/[^A-Za-z0-9.-]+/g, "_")
    .replace(/^[._-]+|[._-]+$/g, "");
  return clean ? clean : "root";
}

function parseUrl(input: string, raw: string, where: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(
      input,
      `${where}'${raw}' is not a valid URL.`,
      "Use an absolute URL like http://host:port/path.",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InputError(input, `${where}'${raw}' must start with http:// or https://, got '${url.protocol}'.`);
  }
  if (url.hostname === "") throw new InputError(input, `${where}'${raw}' has no host.`);
  return url;
}

function joinUrl(base: URL, path: string): URL {
  if (/^https?:\/\//i.test(path)) return new URL(path);
  const prefix = base.href.replace(/\/+$/, "");
  return new URL(`${prefix}/${path.replace(/^\/+/, "")}`);
}

/** `Name: value` lines, or a YAML map. */
function readHeaderMap(input: string, value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null || value === "") return {};
  if (typeof value === "string") {
    const out: Record<string, string> = {};
    for (const line of value.split("\n").map((l) => l.trim())) {
      if (line === "" || line.startsWith("#")) continue;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new InputError(input, `${where}header line '${line}' is not 'Name: value'.`);
      out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    return checkHeaders(input, out, where);
  }
  if (!isPlainObject(value)) throw new InputError(input, `${where}headers must be a map of name: value.`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "object" && v !== null)
      throw new InputError(input, `${where}header '${k}' must be a plain value.`);
    out[k] = String(v);
  }
  return checkHeaders(input, out, where);
}

function checkHeaders(input: string, headers: Record<string, string>, where: string): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new InputError(input, `${where}'${name}' is not a valid HTTP header name.`);
    }
    // A line break in a value would let one header smuggle another into the request.
    if (/[\r\n\0]/.test(value)) throw new InputError(input, `${where}header '${name}' has a line break in its value.`);
  }
  return headers;
}

function readJsonExpectations(input: string, value: unknown, where: string): Record<string, unknown> {
  if (value === undefined || value === null || value === "") return {};
  if (!isPlainObject(value)) {
    throw new InputError(
      input,
      `${where}expect-json must be a map of dotted path: expected value (e.g. inserted: true).`,
    );
  }
  return { ...value };
}

function readBodyContains(input: string, value: unknown, where: string): string[] {
  if (value === undefined || value === null || value === "") return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  throw new InputError(input, `${where}expect-body-contains must be a string or a list of strings.`);
}

function readStatus(input: string, value: unknown, where: string): { ranges: StatusRange[]; text: string } {
  const text = String(value).trim();
  const ranges = parseStatusRanges(text);
  if (!ranges) {
    throw new InputError(
      input,
      `${where}expect-status '${text}' is not a status list.`,
      "Use codes and ranges like 200, 200-399, 2xx or 200,204.",
    );
  }
  return { ranges, text };
}

export function parseResolve(input: string, lines: string[]): ResolveEntry[] {
  return lines.map((line) => {
    // host:port:address, the address may be a bracketed IPv6 literal.
    const m = /^([^:\s]+):(\d{1,5}|\*):(\[[0-9a-fA-F:.]+\]|[^:\s]+)$/.exec(line);
    if (!m) {
      throw new InputError(input, `'${line}' is not host:port:address.`, "Example: papyrus.internal:5000:127.0.0.2.");
    }
    const port = m[2] as string;
    if (port !== "*" && (Number(port) < 1 || Number(port) > 65535)) {
      throw new InputError(input, `'${line}' has port ${port}, outside 1-65535.`);
    }
    return { host: (m[1] as string).toLowerCase(), port, address: (m[3] as string).replace(/^\[|\]$/g, "") };
  });
}

interface Defaults {
  method: string;
  headers: Record<string, string>;
  expect: Expectations;
}

function readProbeList(get: InputSource, base: URL | undefined, defaults: Defaults): ProbeSpec[] {
  const parsed = readYaml(get, "probes");
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new InputError(
      "probes",
      "must be a non-empty YAML list of probes.",
      "Example:\n- path: /healthz\n- path: /dbcheck",
    );
  }
  return parsed.map((item, index) => {
    const where = `item ${index + 1}: `;
    if (!isPlainObject(item)) {
      throw new InputError("probes", `${where}must be a map with 'url' or 'path', got ${JSON.stringify(item)}.`);
    }
    assertKnownKeys("probes", `item ${index + 1}`, item, PROBE_KEYS);
    const hasUrl = item.url !== undefined;
    const hasPath = item.path !== undefined;
    if (hasUrl === hasPath) throw new InputError("probes", `${where}set exactly one of 'url' or 'path'.`);
    let url: URL;
    if (hasUrl) {
      url = parseUrl("probes", String(item.url), where);
    } else {
      if (!base) {
        throw new InputError(
          "probes",
          `${where}uses 'path' but 'base-url' is not set.`,
          "Set 'base-url' or use 'url'.",
        );
      }
      const path = String(item.path);
      if (!path.startsWith("/")) throw new InputError("probes", `${where}path '${path}' must start with '/'.`);
      url = joinUrl(base, path);
    }
    const name = item.name === undefined ? probeNameFromPath(url.pathname) : String(item.name);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      throw new InputError("probes", `${where}name '${name}' may contain only letters, digits, '_', '.' and '-'.`);
    }
    const method = item.method === undefined ? defaults.method : String(item.method).toUpperCase();
    if (!METHODS.includes(method)) {
      throw new InputError("probes", `${where}method '${method}' is not one of ${METHODS.join(", ")}.`);
    }
    const status = item["expect-status"] === undefined ? undefined : readStatus("probes", item["expect-status"], where);
    const spec: ProbeSpec = {
      name,
      url,
      method,
      headers: { ...defaults.headers, ...readHeaderMap("probes", item.headers, where) },
      expect: {
        status: status?.ranges ?? defaults.expect.status,
        statusText: status?.text ?? defaults.expect.statusText,
        json:
          item["expect-json"] === undefined
            ? defaults.expect.json
            : readJsonExpectations("probes", item["expect-json"], where),
        bodyContains:
          item["expect-body-contains"] === undefined
            ? defaults.expect.bodyContains
            : readBodyContains("probes", item["expect-body-contains"], where),
        headers:
          item["expect-header"] === undefined
            ? defaults.expect.headers
            : lowerKeys(readHeaderMap("probes", item["expect-header"], where)),
      },
    };
    if (item.body !== undefined) {
      spec.body = typeof item.body === "string" ? item.body : JSON.stringify(item.body);
      const typed = Object.keys(spec.headers).some((h) => h.toLowerCase() === "content-type");
      if (typeof item.body !== "string" && !typed) spec.headers["Content-Type"] = "application/json";
    }
    return spec;
  });
}

function lowerKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Gives duplicates of derived names a suffix; explicit duplicates are an error. */
function uniqueNames(probes: ProbeSpec[], explicit: boolean): void {
  const seen = new Map<string, number>();
  for (const p of probes) {
    const n = seen.get(p.name) ?? 0;
    seen.set(p.name, n + 1);
    if (n > 0) {
      if (explicit) {
        throw new InputError("probes", `two probes are named '${p.name}'.`, "Give each probe a distinct 'name'.");
      }
      p.name = `${p.name}_${n + 1}`;
    }
  }
}

export function readProbeInputs(get: InputSource): ProbeInputs {
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
    evidenceDir: readString(get, "evidence-dir", { default: "evidence" }),
    failOn: readEnum(get, "fail-on", ["any-failure", "never"] as const, "any-failure"),
    latencySamples,
    secrets: [],
  };
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
  for (const p of probes) {
    for (const [k, v] of Object.entries(p.headers)) if (SENSITIVE_HEADER.test(k) && v) inputs.secrets.push(v);
    if (p.url.password) inputs.secrets.push(decodeURIComponent(p.url.password));
  }
  return inputs;
}
