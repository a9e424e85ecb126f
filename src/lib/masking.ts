/**
 * What every action masks in what it writes (PR comments, reports, logs), and
 * the pieces the evidence-mask rule engine
 * (src/actions/evidence-mask/engine/) builds its account-ID and RDS rules
 * from. The team's rule: RDS endpoints become
 * `****.****.<region>.rds.amazonaws.com`, account IDs become `************`,
 * secret values never appear.
 *
 * A match has a context span (what had to be seen, e.g. `arn:aws:iam::`) and
 * a value span (what is replaced). Only the value is replaced, and every
 * replacement is chosen so that the same pattern does not match it again.
 */

export const ACCOUNT_MASK = "************";
export const SECRET_MASK = "****";
export const RDS_MASK = "****.****.";

export interface MaskMatch {
  rule: string;
  /** Start of everything the rule matched (context included). */
  from: number;
  /** End of everything the rule matched. */
  to: number;
  /** The replaced value: [start, end). */
  start: number;
  end: number;
  replacement: string;
}

const REGION = String.raw`[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d`;

/** `arn:aws[-a-z]*:<service>:<region>:<account>:`, also URL-encoded (`%3A`) as in query strings and policy dumps. */
export const ARN_ACCOUNT_ID =
  /\barn(?::|%3[Aa])aws[a-z-]*(?::|%3[Aa])[a-z0-9-]+(?::|%3[Aa])[a-z0-9-]*(?::|%3[Aa])(?<v>\d{12})(?=:|%3[Aa])/g;

/** <instance>.<hash>.<region>.rds.amazonaws.com, cluster-/cluster-ro-/cluster-custom-/proxy- forms, and .com.cn. */
export const RDS_ENDPOINT = new RegExp(
  String.raw`(?<![A-Za-z0-9-])(?<v>[a-z0-9-]{1,63}\.(?:cluster-(?:ro-|custom-)?|proxy-)?[a-z0-9]{6,63}\.)${REGION}\.rds\.amazonaws\.com`,
  "gi",
);

/**
 * Where the value of match `m` of `text` lies: its group `v` (or `w`), else the whole match. Found from the
 * value's text where it occurs once in the match; otherwise `withIndices` (the same regex with the flags `d`
 * and `y`) is run again at the match. Matching without `d` saves several arrays per match, which V8 makes in
 * the old generation: as garbage there they grew the heap by megabytes per 100 MiB of evidence masked.
 */
export function valueSpan(text: string, m: RegExpExecArray, withIndices: RegExp): readonly [number, number] {
  const full = m[0];
  const value = m.groups?.v ?? m.groups?.w;
  if (value === undefined) return [m.index, m.index + full.length];
  const at = full.indexOf(value);
  if (at !== -1 && full.indexOf(value, at + 1) === -1) return [m.index + at, m.index + at + value.length];
  withIndices.lastIndex = m.index;
  const d = withIndices.exec(text);
  const span = d?.indices?.groups?.v ?? d?.indices?.groups?.w;
  if (!d || d.index !== m.index || d[0] !== full || !span) throw new Error(`no value at ${m.index} for ${withIndices}`);
  return span;
}

/** `re` with the flags `d` and `y` added: what valueSpan runs again where a value's text does not place it. */
export const indexed = (re: RegExp) => new RegExp(re.source, [...new Set([...re.flags, "d", "y"])].join(""));
const ARN_INDEXED = indexed(ARN_ACCOUNT_ID);
const RDS_INDEXED = indexed(RDS_ENDPOINT);
/** Every RDS endpoint contains this: the regex is only tried near it (far cheaper than at every position). */
export const RDS_ANCHOR = ".rds.amazonaws.com";
/** How far before its anchor an RDS endpoint match may start (the regex is started there). */
export const RDS_LOOK_BACK = 160;

/** Account IDs in ARNs from `from` on. */
export function arnAccountIds(text: string, from: number, rule = "account-id"): MaskMatch[] {
  const out: MaskMatch[] = [];
  const re = new RegExp(ARN_ACCOUNT_ID);
  re.lastIndex = from;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const [start, end] = valueSpan(text, m, ARN_INDEXED);
    out.push({ rule, from: m.index, to: m.index + m[0].length, start, end, replacement: ACCOUNT_MASK });
  }
  return out;
}

/**
 * RDS endpoints around each occurrence of RDS_ANCHOR at or after `from`
 * (`anchors`: their offsets, when already known; otherwise they are looked up).
 */
export function rdsEndpoints(text: string, from: number, anchors?: readonly number[]): MaskMatch[] {
  const out: MaskMatch[] = [];
  const re = new RegExp(RDS_ENDPOINT);
  let next = from;
  let previous = -Infinity;
  const each = (i: number) => {
    // As an indexOf loop sees them: occurrences that do not overlap the one before.
    if (i < from || i < previous + RDS_ANCHOR.length) return;
    previous = i;
    const upTo = text.slice(0, i + RDS_ANCHOR.length);
    re.lastIndex = Math.max(next, i - RDS_LOOK_BACK);
    for (let m = re.exec(upTo); m !== null; m = re.exec(upTo)) {
      const to = m.index + m[0].length;
      if (m.index <= i && to >= i + RDS_ANCHOR.length) {
        const [start, end] = valueSpan(upTo, m, RDS_INDEXED);
        out.push({ rule: "rds-endpoint", from: m.index, to, start, end, replacement: RDS_MASK });
        next = to;
        break;
      }
    }
  };
  if (anchors) for (const i of anchors) each(i);
  else
    for (let i = text.indexOf(RDS_ANCHOR, from); i !== -1; i = text.indexOf(RDS_ANCHOR, i + RDS_ANCHOR.length)) each(i);
  return out;
}

/** Listed account IDs, with or without the console's dashes: the literal values to look for (digit-bounded). */
export function listedAccountIdForms(ids: readonly string[]): string[] {
  return ids.flatMap((id) => [id, `${id.slice(0, 4)}-${id.slice(4, 8)}-${id.slice(8)}`]);
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Every occurrence of each value from `from` on (values longest first, each
 * in order). With `digitBoundary`, a value must not be part of a longer run of digits.
 */
export function literalMatches(
  text: string,
  from: number,
  opts: { rule: string; values: readonly string[]; replacement: string; digitBoundary?: boolean },
): MaskMatch[] {
  const out: MaskMatch[] = [];
  for (const value of opts.values) {
    for (let i = text.indexOf(value, from); i !== -1; i = text.indexOf(value, i + 1)) {
      const end = i + value.length;
      if (opts.digitBoundary && (isDigit(text.charCodeAt(i - 1)) || isDigit(text.charCodeAt(end)))) continue;
      out.push({ rule: opts.rule, from: i, to: end, start: i, end, replacement: opts.replacement });
    }
  }
  return out;
}

/** The literal values of a rule: unique, non-empty, longest first. */
export function literalValues(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => v.length > 0))].sort((a, b) => b.length - a.length);
}

/**
 * Matches (in rule order) reduced to values that do not overlap: the earliest
 * value wins, and the longest of those starting at the same place (an
 * Authorization header's value contains its Bearer token). A value that starts
 * inside a kept one but reaches past it keeps its tail, so the union is
 * masked: a secret that begins inside a token is not left half in clear.
 */
export function mergeMatches(all: MaskMatch[]): MaskMatch[] {
  if (all.length <= 1) return all;
  all.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: MaskMatch[] = [];
  let end = -1;
  for (const m of all) {
    if (m.end <= end) continue;
    kept.push(m.start < end ? { ...m, start: end } : m);
    end = m.end;
  }
  return kept;
}

/** `text[from, to)` with the given (sorted, non-overlapping) matches replaced. */
export function applyMatches(text: string, matches: readonly MaskMatch[], from = 0, to = text.length): string {
  let out = "";
  let pos = from;
  for (const m of matches) {
    if (m.start < pos || m.end > to) continue;
    out += text.slice(pos, m.start) + m.replacement;
    pos = m.end;
  }
  return out + text.slice(pos, to);
}

/** `mydb.abc123xyz.us-west-2.rds.amazonaws.com` -> `****.****.us-west-2.rds.amazonaws.com`. */
export function maskRdsEndpoint(text: string): string {
  return applyMatches(text, mergeMatches(rdsEndpoints(text, 0)));
}

/** Account IDs in ARNs, and the listed IDs anywhere, become `************`. */
export function maskAccountIds(text: string, extraIds: readonly string[] = []): string {
  const all = arnAccountIds(text, 0);
  if (extraIds.length > 0) {
    const values = literalValues(listedAccountIdForms(extraIds));
    all.push(
      ...literalMatches(text, 0, { rule: "account-id", values, replacement: ACCOUNT_MASK, digitBoundary: true }),
    );
  }
  return applyMatches(text, mergeMatches(all));
}

// Where a report says a 12-digit number is an account ID: an ARN, an ECR registry host, or a keyword
// (`Account`, `AccountId`, `account-id`, `OwnerId`, `aws:SourceAccount`, `kms:CallerAccount` …) right before it.
const ACCOUNT_ID_CONTEXTS: readonly RegExp[] = [
  ARN_ACCOUNT_ID,
  /(?<![0-9])(?<v>\d{12})\.dkr\.ecr(?:-fips)?\./g,
  /\b(?:account(?:[-_ ]?ids?)?|owner(?:[-_ ]?id)?|(?:source|principal|resource|caller)[-_ ]?account)\\?["'`]?[ \t]*[:=]?[ \t]*\\?["'`]?(?<v>\d{12}|\d{4}-\d{4}-\d{4})(?![0-9])/gi,
];

/** The 12-digit account IDs a text names as such (in ARNs, ECR registry hosts, after an account keyword), dashes removed. */
export function accountIdsNamedIn(text: string): string[] {
  const ids = new Set<string>();
  for (const re of ACCOUNT_ID_CONTEXTS)
    for (const m of text.matchAll(re)) ids.add((m.groups?.v ?? "").replace(/-/g, ""));
  return [...ids];
}

/**
 * Account IDs in text that people other than the job's log readers see (job
 * summaries, annotations, PR comments): every ID the text names as one, and
 * every ID in `known`, becomes `************` wherever it appears, as
 * evidence-mask writes it. The IDs found are added to `known`, so an ID named
 * in one message is masked in the next one too, even standing alone.
 */
export function maskAccountIdsForReport(text: string, known: Set<string>): string {
  for (const id of accountIdsNamedIn(text)) known.add(id);
  return maskAccountIds(text, [...known]);
}

/**
 * Replaces every occurrence of the given values (longest first, so a value
 * that contains another is replaced whole) with `***`, as the runner's log
 * masking does. Values shorter than `minLength` are left alone: the probe
 * skips one- and two-character values, which would otherwise blank its
 * evidence.
 */
export function redactor(values: Iterable<string>, minLength = 1): (text: string) => string {
  const sorted = [...new Set(values)]
    .filter((v) => v.length >= Math.max(1, minLength))
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const v of sorted) out = out.split(v).join("***");
    return out;
  };
}
