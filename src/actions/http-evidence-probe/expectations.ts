import { isDeepStrictEqual } from "node:util";
import type { Expectations } from "./inputs";

export interface StatusRange {
  from: number;
  to: number;
}

/** `200`, `200-399`, `2xx`, `200,204, 301-302` -> ranges; undefined when malformed. */
export function parseStatusRanges(text: string): StatusRange[] | undefined {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) return undefined;
  const ranges: StatusRange[] = [];
  for (const part of parts) {
    let m = /^([1-5])xx$/i.exec(part);
    if (m) {
      const h = Number(m[1]) * 100;
      ranges.push({ from: h, to: h + 99 });
      continue;
    }
    m = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(part);
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : from;
    if (from < 100 || to > 599 || from > to) return undefined;
    ranges.push({ from, to });
  }
  return ranges;
}

export interface ExpectationResult {
  /** What was checked: `status`, `json.inserted`, `body-contains`, `header.content-type`, `latency.p90`. */
  name: string;
  expected: unknown;
  actual: unknown;
  pass: boolean;
}

export interface ResponseView {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
}

/** Follows `a.b.0.c` into parsed JSON; `{found:false}` when a step is missing. */
export function jsonPath(value: unknown, path: string): { found: boolean; value?: unknown } {
  let current: unknown = value;
  for (const step of path.split(".")) {
    if (Array.isArray(current) && /^\d+$/.test(step)) {
      if (Number(step) >= current.length) return { found: false };
      current = current[Number(step)];
    } else if (typeof current === "object" && current !== null && Object.hasOwn(current, step)) {
      current = (current as Record<string, unknown>)[step];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

function shorten(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Every expectation, each with pass/fail; evaluated only on a received response. */
export function evaluate(expect: Expectations, res: ResponseView): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  results.push({
    name: "status",
    expected: expect.statusText,
    actual: res.status,
    pass: expect.status.some((r) => res.status >= r.from && res.status <= r.to),
  });
  const jsonKeys = Object.keys(expect.json);
  if (jsonKeys.length > 0) {
    let parsed: unknown;
    let parseError: string | undefined;
    try {
      parsed = JSON.parse(res.body.toString("utf8"));
    } catch (error) {
      parseError = res.truncated
        ? "body was truncated at max-body-bytes, so it is not complete JSON"
        : `body is not JSON (${error instanceof Error ? error.message : String(error)})`;
    }
    for (const key of jsonKeys) {
      const expected = expect.json[key];
      if (parseError !== undefined) {
        results.push({ name: `json.${key}`, expected, actual: parseError, pass: false });
        continue;
      }
      const found = jsonPath(parsed, key);
      results.push({
        name: `json.${key}`,
        expected,
        actual: found.found ? found.value : "(missing)",
        pass: found.found && isDeepStrictEqual(found.value, expected),
      });
    }
  }
  if (expect.bodyContains.length > 0) {
    const text = res.body.toString("utf8");
    for (const needle of expect.bodyContains) {
      const pass = text.includes(needle);
      results.push({
        name: "body-contains",
        expected: needle,
        actual: pass ? "found" : `not found in ${res.body.length} bytes${res.truncated ? " (truncated)" : ""}`,
        pass,
      });
    }
  }
  for (const [name, expected] of Object.entries(expect.headers)) {
    const actual = res.headers[name];
    results.push({
      name: `header.${name}`,
      expected,
      actual: actual === undefined ? "(missing)" : shorten(actual),
      pass: actual?.includes(expected) === true,
    });
  }
  return results;
}

/** `status: expected 200-399, got 500`; one line per failed expectation. */
export function describeFailures(results: ExpectationResult[]): string[] {
  return results
    .filter((r) => !r.pass)
    .map((r) => `${r.name}: expected ${JSON.stringify(r.expected)}, got ${JSON.stringify(r.actual)}`);
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}
