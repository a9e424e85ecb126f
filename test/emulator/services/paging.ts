/**
 * Small helpers every service shares: paging with opaque tokens and
 * AWS-looking random identifiers.
 */
import { randomBytes } from "node:crypto";
import type { AwsError } from "../errors";

export const randomHex = (chars: number): string =>
  randomBytes(Math.ceil(chars / 2))
    .toString("hex")
    .slice(0, chars);

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export function randomAlphanumeric(chars: number, alphabet = ALPHANUMERIC): string {
  const bytes = randomBytes(chars);
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/**
 * One page of `items`, the one paging helper of every service (EC2's `MaxResults`/`NextToken`, ELB's
 * `PageSize`/`Marker`, RDS's `MaxRecords`/`Marker`, the JSON services' `maxResults`/`nextToken` ...). Tokens are
 * opaque (base64 of the offset and a tag naming the listing, so a token from another listing, or one that points past
 * the end, is refused as AWS refuses it, with the service's own `badToken` error). `max` undefined: the rest of the
 * list in one page (the services whose page size is optional); each service validates its own size parameter first,
 * with its own wording.
 */
export function page<T>(
  items: T[],
  opts: { token?: unknown; max: number | undefined; tag: string; badToken: () => AwsError },
): { items: T[]; nextToken?: string } {
  let start = 0;
  if (opts.token !== undefined && opts.token !== null && opts.token !== "") {
    const decoded = decodeToken(String(opts.token));
    if (!decoded || decoded.tag !== opts.tag || decoded.offset > items.length) throw opts.badToken();
    start = decoded.offset;
  }
  if (opts.max === undefined) return { items: items.slice(start) };
  const end = start + opts.max;
  const out: { items: T[]; nextToken?: string } = { items: items.slice(start, end) };
  if (end < items.length) out.nextToken = Buffer.from(JSON.stringify({ t: opts.tag, o: end })).toString("base64");
  return out;
}

function decodeToken(token: string): { tag: string; offset: number } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { t?: unknown; o?: unknown };
    if (typeof parsed.t !== "string" || typeof parsed.o !== "number" || !Number.isInteger(parsed.o) || parsed.o < 0)
      return undefined;
    return { tag: parsed.t, offset: parsed.o };
  } catch {
    return undefined;
  }
}
