/** Reading RDS query parameters: wrapped lists, booleans, MaxRecords, Filters. */
import type { Params } from "../../types";
import { invalidParameterValue } from "./model";

/** Query lists arrive as arrays, or wrapped in their member name (`Filters.Filter.1`, `Parameters.Parameter.1`). */
export function list(value: unknown): Params[] {
  if (value === undefined || value === null || value === "") return [];
  if (Array.isArray(value)) return value;
  if (typeof value === "object") {
    const inner = Object.values(value as Params);
    if (inner.length === 1 && Array.isArray(inner[0])) return inner[0];
  }
  return [value as Params];
}

export const bool = (v: unknown) => v === true || v === "true";

export function records(params: Params): number {
  const max = params.MaxRecords === undefined ? 100 : Number(params.MaxRecords);
  if (!Number.isInteger(max) || max < 20 || max > 100)
    throw invalidParameterValue("Invalid value for MaxRecords. Must be between 20 and 100");
  return max;
}

export function filtersOf(params: Params, known: string[]): [string, string[]][] {
  return list(params.Filters).map((f) => {
    const name = String(f.Name ?? "");
    if (!known.includes(name)) throw invalidParameterValue(`Unrecognized filter name: ${name}.`);
    return [name, list(f.Values).map(String)];
  });
}

export const badMarker = () => invalidParameterValue("Invalid marker");
