/**
 * Small helpers the EC2 and ELBv2 emulations share: AWS-shaped ids, EC2 filter
 * matching (with `*` / `?` wildcards as the real API accepts), token paging,
 * and IPv4 CIDR arithmetic.
 */
import { randomBytes } from "node:crypto";
import { AwsError } from "../../errors";
import type { Params } from "../../types";
import { page } from "../paging";

/** `sg-0a1b2c3d4e5f60718`: AWS's 17-hex-digit resource ids. */
export function ec2Id(prefix: string): string {
  return `${prefix}-0${randomBytes(9).toString("hex").slice(0, 16)}`;
}

export function hex(length: number): string {
  return randomBytes(Math.ceil(length / 2))
    .toString("hex")
    .slice(0, length);
}

export type Tags = Map<string, string>;

export function tagList(tags: Tags): { key: string; value: string }[] | undefined {
  if (tags.size === 0) return undefined;
  return [...tags].map(([key, value]) => ({ key, value }));
}

/** `Tag.N.Key/Value` (decoded as `Tag: [{Key, Value}]`) -> a map. */
export function readTags(list: unknown): Tags {
  const tags: Tags = new Map();
  if (!Array.isArray(list)) return tags;
  for (const t of list as Params[]) {
    if (typeof t?.Key !== "string") continue;
    tags.set(t.Key, String(t.Value ?? ""));
  }
  return tags;
}

/** Tags of a `TagSpecification.N` list that apply to this resource type. */
export function tagsFromSpecifications(specs: unknown, resourceType: string): Tags {
  const tags: Tags = new Map();
  if (!Array.isArray(specs)) return tags;
  for (const spec of specs as Params[]) {
    if (spec.ResourceType !== resourceType) {
      throw new AwsError(
        "InvalidParameterValue",
        `'${spec.ResourceType}' is not a valid taggable resource type for this operation.`,
      );
    }
    for (const [k, v] of readTags(spec.Tag)) tags.set(k, v);
  }
  return tags;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "s");
}

export interface Filter {
  name: string;
  values: RegExp[];
}

/** `Filter.N.Name` / `Filter.N.Value.M` -> filters; unknown names refused as EC2 does. */
export function readFilters(params: Params, known: (name: string) => boolean): Filter[] {
  const raw = (params.Filter ?? []) as Params[];
  return raw.map((f) => {
    const name = String(f.Name ?? "");
    if (!known(name)) throw new AwsError("InvalidParameterValue", `The filter '${name}' is invalid`);
    const values = ((f.Value ?? []) as string[]).map(globToRegExp);
    return { name, values };
  });
}

/**
 * A resource passes when, for every filter, one of its values for that filter
 * name matches one of the filter's values (AND across filters, OR within).
 */
export function passesFilters(filters: Filter[], valuesOf: (name: string) => (string | undefined)[]): boolean {
  return filters.every((f) => {
    const actual = valuesOf(f.name).filter((v): v is string => v !== undefined);
    return actual.some((v) => f.values.some((re) => re.test(v)));
  });
}

/** Values of the `tag:<key>`, `tag-key` and `tag-value` filters. */
export function tagFilterValues(name: string, tags: Tags): string[] | undefined {
  if (name.startsWith("tag:")) {
    const v = tags.get(name.slice(4));
    return v === undefined ? [] : [v];
  }
  if (name === "tag-key") return [...tags.keys()];
  if (name === "tag-value") return [...tags.values()];
  return undefined;
}

export const isTagFilter = (name: string) => name.startsWith("tag:") || name === "tag-key" || name === "tag-value";

/**
 * EC2's `MaxResults` / `NextToken` paging over an already-filtered list (`tag`: the Describe* action), through the
 * one paging helper; EC2's own wording for a bad size or token.
 */
export function ec2Page<T>(
  tag: string,
  items: T[],
  params: Params,
  limits: { min: number; max: number } = { min: 5, max: 1000 },
): { items: T[]; nextToken?: string } {
  let max: number | undefined;
  if (params.MaxResults !== undefined) {
    max = Number(params.MaxResults);
    if (!Number.isInteger(max) || max < limits.min || max > limits.max) {
      throw new AwsError(
        "InvalidParameterValue",
        `Value ( ${params.MaxResults} ) for parameter maxResults is invalid. Parameter must be between ${limits.min} and ${limits.max}.`,
      );
    }
  }
  return page(items, {
    token: params.NextToken,
    max,
    tag,
    badToken: () => new AwsError("InvalidParameterValue", "Invalid NextToken"),
  });
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** `10.0.0.0/16` -> [first, size], or undefined when malformed. */
export function parseCidr(cidr: string): { base: number; size: number } | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const ip = ipToInt(m[1] as string);
  const bits = Number(m[2]);
  if (ip === undefined || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), size };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const n = ipToInt(ip);
  return c !== undefined && n !== undefined && n >= c.base && n < c.base + c.size;
}

/** A query list parameter (`X.1`, `X.2`, ... or one value) as strings. */
export const asArray = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];

export const bool = (v: unknown) => v === true || v === "true";
