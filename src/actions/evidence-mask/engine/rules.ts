/**
 * Masking rules for evidence that leaves the runner.
 *
 * A rule finds matches in a string (`find`, the reference semantics). Each
 * match has a context span (what the rule needed to see, e.g.
 * `aws_secret_access_key = `) and a value span (what is replaced). Only the
 * value is replaced, so rules whose values do not overlap can all apply. Every
 * replacement is chosen so that the rule does not match it again: masking
 * twice equals masking once, and a verification scan of masked text finds nothing.
 *
 * A built-in rule also has a `prefilter`: literals one of which every match
 * contains at a known distance from its start, and a `find` that tries the
 * regex only there. The engine (./masker.ts) finds the literals of all rules in
 * one pass; `prefilter.find` returns exactly what `find` returns (the
 * property tests in test/actions/evidence-mask/engine.test.ts compare them).
 */
import {
  ACCOUNT_MASK,
  ARN_ACCOUNT_ID,
  applyMatches,
  arnAccountIds,
  indexed,
  listedAccountIdForms,
  literalMatches,
  literalValues,
  type MaskMatch,
  mergeMatches,
  RDS_ANCHOR,
  RDS_LOOK_BACK,
  rdsEndpoints,
  SECRET_MASK,
  valueSpan,
} from "../../../lib/masking";

export { applyMatches, type MaskMatch } from "../../../lib/masking";

/** The window a prefilter works on: its bytes (latin1) and, built on first use, the same as a string. */
export interface WindowView {
  bytes: Uint8Array;
  /** Bytes in use: `bytes` may be longer. */
  length: number;
  /** The whole window as a string (for rules without a prefilter). */
  text(): string;
}

// Look-behind a regex or an `accept` check may need before a candidate (the masker keeps as much before each window).
const SLICE_BEFORE = 64;
// Past a rule's longest match: room for a look-ahead after it.
const SLICE_AFTER = 64;
// Candidates closer than this to the first of a group share one string.
const SLICE_GROUP = 4096;

/** `bytes[lo, hi)` as a latin1 string: a prefilter builds strings only around its candidates, never of the whole window. */
export function sliceText(bytes: Uint8Array, lo: number, hi: number): string {
  return asBuffer(bytes).toString("latin1", lo, hi);
}

/**
 * Groups of nearby candidates (sorted): for each group, the window range
 * [lo, hi) a string must hold for the candidates from `first` to `last`: `before` bytes
 * before the first and `after` bytes after the last, within the window; with
 * `bytes` given (a rule that reads no further than its line from `reach`
 * bytes after a candidate on), only up to the first newline at or after the
 * last candidate + `reach`, included.
 */
function* groups(
  candidates: readonly number[],
  length: number,
  before: number,
  after: number,
  bytes?: Buffer,
  reach = 0,
) {
  for (let first = 0; first < candidates.length; ) {
    const start = candidates[first] as number;
    let last = first;
    while (last + 1 < candidates.length && (candidates[last + 1] as number) - start <= SLICE_GROUP) last++;
    const c = candidates[last] as number;
    let hi = Math.min(length, c + after);
    if (bytes) {
      const nl = c + reach < hi ? bytes.indexOf(10, c + reach) : -1;
      if (nl !== -1 && nl < hi) hi = nl + 1;
    }
    yield { first, last, lo: Math.max(0, start - before), hi };
    first = last + 1;
  }
}

const asBuffer = (bytes: Uint8Array) =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export interface Prefilter {
  /** Literals (latin1) one of which every match contains. */
  literals: readonly string[];
  /** Whether ASCII letters in the literals match in any case. */
  ignoreCase: boolean;
  /**
   * Every match from `from` on, given where the literals occur: `starts[k]`
   * is the offset of an occurrence of `literals[which[k]]`, at or after `from`.
   */
  find(view: WindowView, from: number, starts: readonly number[], which: readonly number[]): MaskMatch[];
}

export interface MaskRule {
  name: string;
  description: string;
  /** Upper bound of `to - from` for any match: how much overlap streaming needs. */
  maxLength: number;
  /** Every match whose context starts at or after `from` (text before `from` is look-behind context only). */
  find(text: string, from: number): MaskMatch[];
  prefilter?: Prefilter;
}

interface Trigger {
  /** Literals (latin1) one of which every match contains. */
  literals: readonly string[];
  ignoreCase?: boolean;
  /** Where a match may start, given an occurrence of `literals[which]` at `at` in `bytes` (default: at `at`). */
  starts?: (bytes: Uint8Array, at: number, which: number) => readonly number[];
}

/**
 * A rule from a regular expression. The named group `v` (or `w`, in a second
 * alternative) is the value to replace; without it the whole match is the value. The regex gets the flags
 * `g` and `d` added.
 */
export function regexRule(opts: {
  name: string;
  description: string;
  regex: RegExp;
  replacement: string | ((value: string, groups: Record<string, string | undefined>) => string);
  maxLength: number;
  /** The match must start a token (checked outside the regex, which keeps the regex's literal-prefix scan fast). */
  tokenStart?: boolean;
  /** Context before the match that the regex leaves out for speed (a look-behind is tried at every position). */
  accept?: (text: string, index: number) => boolean;
  /** Literals every match contains, for the engine's one-pass prefilter. */
  trigger?: Trigger;
  /**
   * How far past a match's start the regex may read across newlines: a match may cross `\n` only in its
   * first `lineBound` bytes (e.g. in bounded blank runs before its value), and from there on reads no
   * further than the end of the line it is in (the newline itself may be read, by a look-ahead or `$`).
   * The prefilter's string then ends at the first newline at or after start + lineBound; 0 means the
   * match lies within its own line. Unset: the string holds maxLength + look-around, newlines or not.
   */
  lineBound?: number;
}): MaskRule {
  // Without the `d` flag: see valueSpan.
  const flags = new Set([...opts.regex.flags, "g"]);
  flags.delete("d");
  const re = new RegExp(opts.regex.source, [...flags].join(""));
  const sticky = new RegExp(opts.regex.source, [...flags, "y"].join(""));
  const withIndices = indexed(re);
  const replace = opts.replacement;
  /** The match at `m`, or why not: "skip" (try again one further) or "empty" (go on after it). */
  const accept = (text: string, m: RegExpExecArray): MaskMatch | "skip" | "empty" => {
    const full = m[0];
    if (
      full.length === 0 ||
      (opts.tokenStart && !startsToken(text, m.index)) ||
      (opts.accept && !opts.accept(text, m.index))
    ) {
      return "skip";
    }
    const span = valueSpan(text, m, withIndices);
    const value = text.slice(span[0], span[1]);
    if (value.length === 0) return "empty";
    return {
      rule: opts.name,
      from: m.index,
      to: m.index + full.length,
      start: span[0],
      end: span[1],
      replacement: typeof replace === "string" ? expandTemplate(replace, m) : replace(value, m.groups ?? {}),
    };
  };
  const rule: MaskRule = {
    name: opts.name,
    description: opts.description,
    maxLength: opts.maxLength,
    find(text, from) {
      const out: MaskMatch[] = [];
      re.lastIndex = from;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const got = accept(text, m);
        if (got === "skip") re.lastIndex = m.index + 1;
        else if (got !== "empty") out.push(got);
      }
      return out;
    },
  };
  const trigger = opts.trigger;
  if (trigger) {
    rule.prefilter = {
      literals: trigger.literals,
      ignoreCase: trigger.ignoreCase ?? false,
      // The global search finds the first position from lastIndex on where the regex matches; every such
      // position is a candidate, so trying the candidates in order with a sticky regex finds the same matches.
      // The regex runs on a string of the window around each group of candidates, not on the whole window:
      // as a match is at most maxLength long, the string holds all the regex can look at (SLICE_BEFORE of
      // look-behind, the match, SLICE_AFTER of look-ahead).
      find(view, from, starts, which) {
        if (starts.length === 0) return [];
        const candidates: number[] = [];
        starts.forEach((at, k) => {
          const list = trigger.starts ? trigger.starts(view.bytes, at, which[k] as number) : [at];
          for (const c of list) if (c >= from) candidates.push(c);
        });
        candidates.sort((a, b) => a - b);
        const out: MaskMatch[] = [];
        let lastIndex = from;
        let previous = -1;
        const lines = opts.lineBound !== undefined ? asBuffer(view.bytes) : undefined;
        const reach = opts.lineBound ?? 0;
        const after = opts.maxLength + SLICE_AFTER;
        for (const g of groups(candidates, view.length, SLICE_BEFORE, after, lines, reach)) {
          const text = sliceText(view.bytes, g.lo, g.hi);
          for (let i = g.first; i <= g.last; i++) {
            const c = candidates[i] as number;
            if (c < lastIndex || c === previous) continue;
            previous = c;
            sticky.lastIndex = c - g.lo;
            const m = sticky.exec(text);
            if (m === null) continue;
            const got = accept(text, m);
            if (got === "skip") lastIndex = c + 1;
            else {
              lastIndex = c + m[0].length;
              if (got !== "empty") out.push(shift(got, g.lo));
            }
          }
        }
        return out;
      },
    };
  }
  return rule;
}

/** A match found in a string that starts at window offset `by`, in window offsets. */
function shift(m: MaskMatch, by: number): MaskMatch {
  if (by === 0) return m;
  return { ...m, from: m.from + by, to: m.to + by, start: m.start + by, end: m.end + by };
}

/**
 * True when `index` starts a token: the character before is not part of one,
 * or is the letter of a JSON escape (`\nAKIA…` inside a CloudWatch message).
 */
export function startsToken(text: string, index: number): boolean {
  if (index === 0) return true;
  const before = text.charCodeAt(index - 1);
  const word =
    (before >= 48 && before <= 57) ||
    (before >= 65 && before <= 90) ||
    (before >= 97 && before <= 122) ||
    before === 95 ||
    before === 45;
  if (!word) return true;
  return (before === 110 || before === 114 || before === 116) && text.charCodeAt(index - 2) === 92;
}

/** One rule name over several regexes (alternatives that each keep a literal prefix). */
function anyOf(name: string, description: string, parts: readonly MaskRule[]): MaskRule {
  const rule: MaskRule = {
    name,
    description,
    maxLength: parts.reduce((max, p) => Math.max(max, p.maxLength), 0),
    find: (text, from) => parts.flatMap((p) => p.find(text, from)),
  };
  const filters = parts.map((p) => p.prefilter);
  if (filters.every((f) => f !== undefined) && new Set(filters.map((f) => f.ignoreCase)).size === 1) {
    // One list of literals; each part gets back the occurrences of its own.
    const offsets: number[] = [];
    const literals: string[] = [];
    for (const f of filters) {
      offsets.push(literals.length);
      literals.push(...f.literals);
    }
    rule.prefilter = {
      literals,
      ignoreCase: filters[0]?.ignoreCase ?? false,
      find: (view, from, starts, which) =>
        filters.flatMap((f, p) => {
          const lo = offsets[p] as number;
          const hi = lo + f.literals.length;
          const mine: number[] = [];
          const mineWhich: number[] = [];
          starts.forEach((s, k) => {
            const w = which[k] as number;
            if (w >= lo && w < hi) {
              mine.push(s);
              mineWhich.push(w - lo);
            }
          });
          return f.find(view, from, mine, mineWhich);
        }),
    };
  }
  return rule;
}

/** `$&`, `$1`..`$99`, `$<name>`, `$$` as in String.prototype.replace. */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  if (!template.includes("$")) return template;
  return template.replace(/\$(\$|&|\d{1,2}|<([A-Za-z_][A-Za-z0-9_]*)>)/g, (all, token: string, name?: string) => {
    if (token === "$") return "$";
    if (token === "&") return m[0];
    if (name !== undefined) return m.groups?.[name] ?? "";
    const n = Number(token);
    return n < m.length ? (m[n] ?? "") : all;
  });
}

const isDigit = (c: number | undefined) => c !== undefined && c >= 48 && c <= 57;

/**
 * Literal values found anywhere (secret values). With `digitBoundary`, a value
 * must not be part of a longer run of digits (account IDs).
 */
export function literalRule(opts: {
  name: string;
  description: string;
  values: readonly string[];
  replacement: string;
  digitBoundary?: boolean;
}): MaskRule {
  const values = literalValues(opts.values);
  const spec = { rule: opts.name, values, replacement: opts.replacement, digitBoundary: opts.digitBoundary ?? false };
  // Windows are latin1 bytes: a value with a character above U+00FF can never occur in one.
  const bytewise = values.filter((v) => !/[^\u0000-\u00ff]/.test(v));
  const rank = new Map(values.map((v, i) => [v, i]));
  return {
    name: opts.name,
    description: opts.description,
    maxLength: values.reduce((max, v) => Math.max(max, v.length + 2), 0),
    find: (text, from) => literalMatches(text, from, spec),
    prefilter: {
      literals: bytewise,
      ignoreCase: false,
      find(view, from, starts, which) {
        const bytes = view.bytes;
        const order = starts.map((_, k) => k);
        // The order `find` gives: values longest first, each by position.
        const r = (k: number) => rank.get(bytewise[which[k] as number] as string) as number;
        order.sort((a, b) => r(a) - r(b) || (starts[a] as number) - (starts[b] as number));
        const out: MaskMatch[] = [];
        for (const k of order) {
          const i = starts[k] as number;
          if (i < from) continue;
          const end = i + (bytewise[which[k] as number] as string).length;
          if (spec.digitBoundary && (isDigit(bytes[i - 1]) || (end < view.length && isDigit(bytes[end])))) continue;
          out.push({ rule: spec.rule, from: i, to: end, start: i, end, replacement: spec.replacement });
        }
        return out;
      },
    },
  };
}

const KEY_ID = `(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}`;
const KEY_ID_PREFIXES = ["AKIA", "ASIA", "ABIA", "ACCA", "A3T"];
// An optional quote, possibly JSON-escaped (`\"` inside an escaped JSON string, as in Terraform state).
const Q = String.raw`(?:\\?["'])?`;
// Blanks around a separator or before a name or value (alignment padding, indentation): bounded, like every
// other part of a match, so that no match is longer than its rule's maxLength. A prefilter's string holds only
// maxLength bytes past each candidate (and the masker's overlap is twice the longest): with `\s*` there, a
// value after 150 blanks was found by `find` but not by the prefilter, and so was left in the output.
const BLANKS = 256;
const S = String.raw`\s{0,${BLANKS}}`;
const B = String.raw`[ \t]{0,${BLANKS}}`;

/** Names of the built-in rules, in the order they are documented. */
export const BUILT_IN_RULES = [
  "account-id",
  "rds-endpoint",
  "aws-access-key-id",
  "aws-secret-access-key",
  "aws-session-token",
  "http-auth-header",
  "bearer-token",
  "jwt",
  "private-key",
  "url-password",
] as const;
export type BuiltInRuleName = (typeof BUILT_IN_RULES)[number];

function accountIdRule(): MaskRule {
  const rule = regexRule({
    name: "account-id",
    description: "12-digit account IDs in ARN context (arn:aws:<service>:<region>:<account>:)",
    regex: ARN_ACCOUNT_ID,
    replacement: ACCOUNT_MASK,
    maxLength: 160,
    lineBound: 0,
    trigger: { literals: ["arn"] },
  });
  // The same matches as the helper every action masks its own output with.
  return { ...rule, find: (text, from) => arnAccountIds(text, from) };
}

function rdsEndpointRule(): MaskRule {
  return {
    name: "rds-endpoint",
    description: "RDS endpoints become ****.****.<region>.rds.amazonaws.com (region kept)",
    maxLength: 200,
    find: (text, from) => rdsEndpoints(text, from),
    prefilter: {
      literals: [RDS_ANCHOR],
      ignoreCase: false,
      find(view, from, starts) {
        const anchors = [...starts].sort((a, b) => a - b);
        const out: MaskMatch[] = [];
        // rdsEndpoints looks back at most RDS_LOOK_BACK before an anchor: each group's string holds that and the look-behind.
        for (const g of groups(anchors, view.length, RDS_LOOK_BACK + SLICE_BEFORE, RDS_ANCHOR.length)) {
          const text = sliceText(view.bytes, g.lo, g.hi);
          const mine = anchors.slice(g.first, g.last + 1).map((a) => a - g.lo);
          for (const m of rdsEndpoints(text, Math.max(0, from - g.lo), mine)) out.push(shift(m, g.lo));
        }
        return out;
      },
    },
  };
}

const URL_SCHEME = /(?:^|[^A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,20}$/;

const PEM_BODY = String.raw`(?:[A-Za-z0-9+/=\s]|\\[nr]|Proc-Type:[^\r\n\\]*|DEK-Info:[^\r\n\\]*)`;

/** Offsets `at - d` for each `d` (a keyword found `d` characters into the match). */
const back =
  (...distances: number[]) =>
  (_bytes: Uint8Array, at: number) =>
    distances.map((d) => at - d);

const HEADER_NAMES = ["authorization", "cookie", "x-amz-security-token"];

/**
 * Where an http-auth-header match may start, given a header name at `at`:
 * the start of its line (only `[<>] ` and blanks may come before the name,
 * `proxy-` or `set-` included), or the quote before it.
 */
function headerStarts(bytes: Uint8Array, at: number, which: number): number[] {
  const names = which === 0 ? [at, at - 6] : which === 1 ? [at, at - 4] : [at];
  const out: number[] = [];
  for (const k of names) {
    out.push(k - 1);
    let j = k - 1;
    for (let c = bytes[j]; c === 32 || c === 9 || c === 60 || c === 62; c = bytes[--j]);
    const c = bytes[j];
    if (j < 0 || c === 10 || c === 13) out.push(j + 1);
  }
  return out.filter((s) => s >= 0);
}

function builtIn(name: BuiltInRuleName): MaskRule {
  switch (name) {
    case "account-id":
      return accountIdRule();
    case "rds-endpoint":
      return rdsEndpointRule();
    case "aws-access-key-id":
      return regexRule({
        name,
        description: "AWS access key IDs (AKIA, ASIA, ABIA, ACCA, A3T…; the gitleaks rule)",
        regex: new RegExp(`(?<v>${KEY_ID})(?![A-Za-z0-9])`),
        replacement: SECRET_MASK,
        maxLength: 24,
        tokenStart: true,
        lineBound: 0,
        trigger: { literals: KEY_ID_PREFIXES },
      });
    case "aws-secret-access-key":
      return anyOf(
        name,
        "40-character secret access keys after aws_secret_access_key / SecretAccessKey, or next to a key ID (also as the next field)",
        [
          regexRule({
            name,
            description: "after a keyword",
            regex: new RegExp(
              String.raw`(?:aws_?)?(?:secret_?access_?key|secretkey)${Q}${S}[:=]${S}${Q}(?<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
              "i",
            ),
            replacement: SECRET_MASK,
            // 21 + 2 quotes + 2 blank runs + 1 + 2 + 40.
            maxLength: 66 + 2 * BLANKS,
            trigger: { literals: ["secret"], ignoreCase: true, starts: back(4, 3, 0) },
          }),
          regexRule({
            name,
            description: "next to a key ID",
            regex: new RegExp(
              String.raw`${KEY_ID}${Q}[\s,;:|]{1,40}(?:${Q}[A-Za-z_]{1,32}${Q}${S}[:=]${S})?${Q}(?<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
            ),
            replacement: SECRET_MASK,
            // 20 + 2 + 40 + 2 + 32 + 2 + 2 blank runs + 1 + 2 + 40.
            maxLength: 141 + 2 * BLANKS,
            tokenStart: true,
            trigger: { literals: KEY_ID_PREFIXES, ignoreCase: true },
          }),
        ],
      );
    case "aws-session-token":
      return anyOf(
        name,
        "STS session tokens (after aws_session_token / SessionToken / X-Amz-Security-Token, or by their prefix)",
        [
          regexRule({
            name,
            description: "after a keyword",
            regex: new RegExp(
              String.raw`(?:aws_?session_?token|aws_?security_?token|session_?token|x-amz-security-token)${Q}${S}[:=]${S}${Q}(?<v>(?!\*{4})[A-Za-z0-9/+=%]{16,4096})`,
              "i",
            ),
            replacement: SECRET_MASK,
            // 20 + 2 + 2 blank runs + 1 + 2 + 4096.
            maxLength: 4121 + 2 * BLANKS,
            // Newlines only in the two blank runs: the value starts within 20 + 2 + 1 + 2 + 2 blank runs of the
            // match's start, and lies on one line.
            lineBound: 26 + 2 * BLANKS,
            // `session` starts the match or follows `aws`/`aws_`; `security` follows `aws`, `aws_` or `x-amz-`.
            trigger: {
              literals: ["session", "security"],
              ignoreCase: true,
              starts: (_t, at, which) => (which === 0 ? [at - 4, at - 3, at] : [at - 6, at - 4, at - 3]),
            },
          }),
          regexRule({
            name,
            description: "by prefix",
            regex: /(?<v>(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=%]{20,4096})/,
            replacement: SECRET_MASK,
            maxLength: 4200,
            tokenStart: true,
            lineBound: 0,
            trigger: { literals: ["IQoJb3JpZ2lu", "FwoGZXIvYXdz", "FQoGZXIvYXdz"], ignoreCase: true },
          }),
        ],
      );
    case "http-auth-header":
      return regexRule({
        name,
        description: "values of Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Amz-Security-Token headers",
        regex: new RegExp(
          String.raw`(?:^(?:[<>] )?${B}(?:proxy-authorization|authorization|set-cookie|cookie|x-amz-security-token)${B}:${B}(?<v>(?!\*{4}[ \t]*$)[^\s](?:[^\r\n]{0,8190}[^\s])?)|["'](?:proxy-authorization|authorization|set-cookie|cookie|x-amz-security-token)\\?["']${S}:${S}\\?["'](?<w>(?!\*{4}\\?["'])[^"'\r\n\\]{1,8192}))`,
          "gim",
        ),
        replacement: SECRET_MASK,
        // 2 + 3 blank runs + 19 + 1 + 8192.
        maxLength: 8214 + 3 * BLANKS,
        // The first alternative lies on one line; the second crosses newlines only in its two blank runs, and its
        // value starts within 1 + 20 + 1 + 1 + 1 + 1 + 1 + 2 blank runs of the match's start.
        lineBound: 26 + 2 * BLANKS,
        trigger: { literals: HEADER_NAMES, ignoreCase: true, starts: headerStarts },
      });
    case "bearer-token":
      return regexRule({
        name,
        description: "Bearer tokens",
        // Bounded look-ahead and padding: all the regex reads lies within maxLength (the prefilter's strings hold no more).
        regex: new RegExp(
          String.raw`\bbearer[ \t]{1,${BLANKS}}(?<v>(?=[A-Za-z\-._~+/]{0,4095}[0-9])[A-Za-z0-9\-._~+/]{12,4096}={0,8})`,
          "i",
        ),
        replacement: SECRET_MASK,
        // 6 + blanks + 4096 + 8.
        maxLength: 4110 + BLANKS,
        lineBound: 0,
        trigger: { literals: ["bearer"], ignoreCase: true },
      });
    case "jwt":
      return regexRule({
        name,
        description: "JSON Web Tokens (eyJ….eyJ….signature)",
        regex: /(?<v>eyJ[A-Za-z0-9_-]{5,4096}\.eyJ[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{0,4096})/,
        tokenStart: true,
        replacement: SECRET_MASK,
        maxLength: 16_400,
        lineBound: 0,
        trigger: { literals: ["eyJ"], ignoreCase: true },
      });
    case "private-key":
      return regexRule({
        name,
        description: "PEM private key bodies (the BEGIN/END lines are kept)",
        regex: new RegExp(
          `-----BEGIN [A-Z0-9 ]{0,32}PRIVATE KEY-----(?<v>${PEM_BODY}{16,16384})(?:-----END [A-Z0-9 ]{0,32}PRIVATE KEY-----)?`,
        ),
        replacement: (value) => (value.includes("\\n") ? "\\n****\\n" : "\n****\n"),
        maxLength: 16_500,
        trigger: { literals: ["-----BEGIN "], ignoreCase: true },
      });
    case "url-password":
      return regexRule({
        name,
        description: "passwords in scheme://user:password@host URLs (postgres://, mysql://, redis://, https:// …)",
        // Anchored on "://" (rare) rather than on the scheme; the scheme is checked by `accept`.
        regex: /:\/\/[^:/?#@\s"']{1,256}:(?<v>(?!\*{4}@)[^@\s/"']{1,256})@/,
        accept: (text, index) => URL_SCHEME.test(text.slice(Math.max(0, index - 24), index)),
        replacement: SECRET_MASK,
        maxLength: 600,
        lineBound: 0,
        trigger: { literals: ["://"] },
      });
  }
}

/** Listed account IDs wherever they appear, with or without the console's dashes. */
export function listedAccountIdsRule(ids: readonly string[]): MaskRule {
  return literalRule({
    name: "account-id",
    description: "listed account IDs anywhere",
    values: listedAccountIdForms(ids),
    replacement: ACCOUNT_MASK,
    digitBoundary: true,
  });
}

/** The built-in rules by name (all of them by default), plus listed account IDs. */
export function builtInRules(opts: { names?: readonly BuiltInRuleName[]; accountIds?: readonly string[] } = {}) {
  const names = opts.names ?? BUILT_IN_RULES;
  const rules = names.map(builtIn);
  if (names.includes("account-id") && opts.accountIds && opts.accountIds.length > 0) {
    rules.push(listedAccountIdsRule(opts.accountIds));
  }
  return rules;
}

/**
 * Every match of every rule from `from` on, reduced to values that do not
 * overlap (see mergeMatches).
 */
export function findMatches(text: string, rules: readonly MaskRule[], from = 0): MaskMatch[] {
  const all: MaskMatch[] = [];
  for (const rule of rules) for (const m of rule.find(text, from)) all.push(m);
  return mergeMatches(all);
}

/** Masks a whole string in memory; returns the text and the count per rule. */
export function maskText(text: string, rules: readonly MaskRule[]): { text: string; counts: Record<string, number> } {
  const matches = findMatches(text, rules);
  const counts: Record<string, number> = {};
  for (const m of matches) counts[m.rule] = (counts[m.rule] ?? 0) + 1;
  return { text: applyMatches(text, matches), counts };
}

/** Everything the built-in rules know (and the listed account IDs and literal secret values), for PR comments and reports. */
export function maskAll(text: string, opts: { accountIds?: readonly string[]; secretValues?: readonly string[] } = {}) {
  const rules = builtInRules({ accountIds: opts.accountIds ?? [] });
  if (opts.secretValues && opts.secretValues.length > 0) {
    rules.push(
      literalRule({
        name: "secret-value",
        description: "literal secret values",
        values: opts.secretValues,
        replacement: SECRET_MASK,
      }),
    );
  }
  return maskText(text, rules).text;
}
