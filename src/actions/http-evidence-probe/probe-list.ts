// Parsing of probe definitions: the `probes` YAML items, URLs, headers and expectations.
import { InputError } from "../../lib/errors";
import { assertKnownKeys, type InputSource, isPlainObject, readYaml } from "../../lib/inputs";
import { parseStatusRanges, type StatusRange } from "./expectations";
import type { Expectations, ProbeSpec, ResolveEntry } from "./inputs";

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
  "expect-log",
  "log-filter-pattern",
] as const;

/** `/healthz` -> `healthz`, `/` -> `root`, `/api/v1/status` -> `api_v1_status`. */
export function probeNameFromPath(path: string): string {
  const clean = path
    .split("?")[0]
    ?.replace(/^\/+|\/+$/g, "")
    .replace(/[^A-Za-z0-9.-]+/g, "_")
    .replace(/^[._-]+|[._-]+$/g, "");
  return clean ? clean : "root";
}

export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

export function parseUrl(input: string, raw: string, where: string): URL {
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

export function joinUrl(base: URL, path: string): URL {
  if (/^https?:\/\//i.test(path)) return new URL(path);
  const prefix = base.href.replace(/\/+$/, "");
  return new URL(`${prefix}/${path.replace(/^\/+/, "")}`);
}

/** `Name: value` lines, or a YAML map. */
export function readHeaderMap(input: string, value: unknown, where: string): Record<string, string> {
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

export function readJsonExpectations(input: string, value: unknown, where: string): Record<string, unknown> {
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

export function readStatus(input: string, value: unknown, where: string): { ranges: StatusRange[]; text: string } {
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

export interface Defaults {
  method: string;
  headers: Record<string, string>;
  expect: Expectations;
}

export function readProbeList(get: InputSource, base: URL | undefined, defaults: Defaults): ProbeSpec[] {
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
    if (item["expect-log"] !== undefined) {
      if (typeof item["expect-log"] !== "boolean")
        throw new InputError(
          "probes",
          `${where}expect-log must be true or false, got ${JSON.stringify(item["expect-log"])}.`,
        );
      spec.expectLog = item["expect-log"];
    }
    if (item["log-filter-pattern"] !== undefined) {
      spec.logFilterPattern = readFilterPattern("probes", String(item["log-filter-pattern"]), where);
    }
    if (item.body !== undefined) {
      spec.body = typeof item.body === "string" ? item.body : JSON.stringify(item.body);
      const typed = Object.keys(spec.headers).some((h) => h.toLowerCase() === "content-type");
      if (typeof item.body !== "string" && !typed) spec.headers["Content-Type"] = "application/json";
    }
    return spec;
  });
}

/** A CloudWatch Logs filter pattern as FilterLogEvents takes it (at most 1024 characters). */
export function readFilterPattern(input: string, value: string, where: string): string {
  const pattern = value.trim();
  if (pattern.length > 1024)
    throw new InputError(
      input,
      `${where}the filter pattern has ${pattern.length} characters; CloudWatch Logs takes at most 1024.`,
    );
  if (pattern.startsWith("{") !== pattern.endsWith("}"))
    throw new InputError(
      input,
      `${where}'${pattern}' is not a filter pattern: a JSON pattern is enclosed in { }.`,
      'Example: { $.route = "/dbcheck" }.',
    );
  return pattern;
}

export function lowerKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Gives duplicates of derived names a suffix; explicit duplicates are an error. */
export function uniqueNames(probes: ProbeSpec[], explicit: boolean): void {
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
