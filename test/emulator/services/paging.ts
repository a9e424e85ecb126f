/**
 * Small helpers the ECS, Secrets Manager, SSM and RDS emulators share:
 * opaque paging tokens and AWS-looking random identifiers.
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
 * One page of `items`. Tokens are opaque (base64 of the offset and a tag, so a
 * token from another listing is refused as AWS refuses it).
 */
export function page<T>(
  items: T[],
  opts: { token?: unknown; max: number; tag: string; badToken: () => AwsError },
): { items: T[]; nextToken?: string } {
  let start = 0;
  if (opts.token !== undefined && opts.token !== null && opts.token !== "") {
    const decoded = decodeToken(String(opts.token));
    if (!decoded || decoded.tag !== opts.tag || decoded.offset > items.length) throw opts.badToken();
    start = decoded.offset;
  }
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
