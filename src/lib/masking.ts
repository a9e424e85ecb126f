/**
 * Masking rules for evidence that leaves the runner (artifacts, PR comments,
 * reports). The team's rule: RDS endpoints become
 * `****.****.<region>.rds.amazonaws.com`, account IDs become `************`,
 * secret values never appear.
 *
 * A rule finds matches in a string. Each match has a context span (what the
 * rule needed to see, e.g. `aws_secret_access_key = `) and a value span (what
 * is replaced). Only the value is replaced, so rules whose values do not
 * overlap can all apply. Every replacement is chosen so that the rule does not
 * match it again: masking twice equals masking once, and a verification scan
 * of masked text finds nothing.
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

export interface MaskRule {
  name: string;
  description: string;
  /** Upper bound of `to - from` for any match: how much overlap streaming needs. */
  maxLength: number;
  /** Every match whose context starts at or after `from` (text before `from` is look-behind context only). */
  find(text: string, from: number): MaskMatch[];
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
}): MaskRule {
  const flags = new Set([...opts.regex.flags, "g", "d"]);
  const re = new RegExp(opts.regex.source, [...flags].join(""));
  const replace = opts.replacement;
  return {
    name: opts.name,
    description: opts.description,
    maxLength: opts.maxLength,
    find(text, from) {
      const out: MaskMatch[] = [];
      re.lastIndex = from;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const full = m[0];
        if (
          full.length === 0 ||
          (opts.tokenStart && !startsToken(text, m.index)) ||
          (opts.accept && !opts.accept(text, m.index))
        ) {
          re.lastIndex = m.index + 1;
          continue;
        }
        const span = m.indices?.groups?.v ?? m.indices?.groups?.w ?? [m.index, m.index + full.length];
        const value = text.slice(span[0], span[1]);
        if (value.length === 0) continue;
        const groups = m.groups ?? {};
        out.push({
          rule: opts.name,
          from: m.index,
          to: m.index + full.length,
          start: span[0],
          end: span[1],
          replacement: typeof replace === "string" ? expandTemplate(replace, m) : replace(value, groups),
        });
      }
      return out;
    },
  };
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
  return {
    name,
    description,
    maxLength: parts.reduce((max, p) => Math.max(max, p.maxLength), 0),
    find: (text, from) => parts.flatMap((p) => p.find(text, from)),
  };
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
  const values = [...new Set(opts.values.filter((v) => v.length > 0))].sort((a, b) => b.length - a.length);
  const isDigit = (c: number) => c >= 48 && c <= 57;
  return {
    name: opts.name,
    description: opts.description,
    maxLength: values.reduce((max, v) => Math.max(max, v.length + 2), 0),
    find(text, from) {
      const out: MaskMatch[] = [];
      for (const value of values) {
        for (let i = text.indexOf(value, from); i !== -1; i = text.indexOf(value, i + 1)) {
          const end = i + value.length;
          if (opts.digitBoundary && (isDigit(text.charCodeAt(i - 1)) || isDigit(text.charCodeAt(end)))) continue;
          out.push({ rule: opts.name, from: i, to: end, start: i, end, replacement: opts.replacement });
        }
      }
      return out;
    },
  };
}

/**
 * A regex rule that is only tried near occurrences of a fixed string (an RDS
 * endpoint always contains `.rds.amazonaws.com`): scanning a large log for the
 * literal is far cheaper than trying the regex at every position.
 */
function anchoredRule(anchor: string, lookBack: number, rule: MaskRule): MaskRule {
  return {
    ...rule,
    find(text, from) {
      const out: MaskMatch[] = [];
      let next = from;
      for (let i = text.indexOf(anchor, from); i !== -1; i = text.indexOf(anchor, i + anchor.length)) {
        const start = Math.max(next, i - lookBack);
        for (const m of rule.find(text.slice(0, i + anchor.length), start)) {
          if (m.from <= i && m.to >= i + anchor.length) {
            out.push(m);
            next = m.to;
            break;
          }
        }
      }
      return out;
    },
  };
}

const REGION = String.raw`[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d`;
const KEY_ID = `(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}`;
// An optional quote, possibly JSON-escaped (`\"` inside an escaped JSON string, as in Terraform state).
const Q = String.raw`(?:\\?["'])?`;

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
  // `arn:aws[-a-z]*:<service>:<region>:<account>:`, also URL-encoded (`%3A`) as in query strings and policy dumps.
  return regexRule({
    name: "account-id",
    description: "12-digit account IDs in ARN context (arn:aws:<service>:<region>:<account>:)",
    regex:
      /\barn(?::|%3[Aa])aws[a-z-]*(?::|%3[Aa])[a-z0-9-]+(?::|%3[Aa])[a-z0-9-]*(?::|%3[Aa])(?<v>\d{12})(?=:|%3[Aa])/,
    replacement: ACCOUNT_MASK,
    maxLength: 160,
  });
}

function rdsEndpointRule(): MaskRule {
  // <instance>.<hash>.<region>.rds.amazonaws.com, cluster-/cluster-ro-/cluster-custom-/proxy- forms, and .com.cn.
  const rule = regexRule({
    name: "rds-endpoint",
    description: "RDS endpoints become ****.****.<region>.rds.amazonaws.com (region kept)",
    regex: new RegExp(
      String.raw`(?<![A-Za-z0-9-])(?<v>[a-z0-9-]{1,63}\.(?:cluster-(?:ro-|custom-)?|proxy-)?[a-z0-9]{6,63}\.)${REGION}\.rds\.amazonaws\.com`,
      "i",
    ),
    replacement: RDS_MASK,
    maxLength: 200,
  });
  return anchoredRule(".rds.amazonaws.com", 160, rule);
}

const URL_SCHEME = /(?:^|[^A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,20}$/;

const PEM_BODY = String.raw`(?:[A-Za-z0-9+/=\s]|\\[nr]|Proc-Type:[^\r\n\\]*|DEK-Info:[^\r\n\\]*)`;

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
              String.raw`(?:aws_?)?(?:secret_?access_?key|secretkey)${Q}\s*[:=]\s*${Q}(?<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
              "i",
            ),
            replacement: SECRET_MASK,
            maxLength: 120,
          }),
          regexRule({
            name,
            description: "next to a key ID",
            regex: new RegExp(
              String.raw`${KEY_ID}${Q}[\s,;:|]{1,40}(?:${Q}[A-Za-z_]{1,32}${Q}\s*[:=]\s*)?${Q}(?<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
            ),
            replacement: SECRET_MASK,
            maxLength: 200,
            tokenStart: true,
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
              String.raw`(?:aws_?session_?token|aws_?security_?token|session_?token|x-amz-security-token)${Q}\s*[:=]\s*${Q}(?<v>(?!\*{4})[A-Za-z0-9/+=%]{16,4096})`,
              "i",
            ),
            replacement: SECRET_MASK,
            maxLength: 4200,
          }),
          regexRule({
            name,
            description: "by prefix",
            regex: /(?<v>(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=%]{20,4096})/,
            replacement: SECRET_MASK,
            maxLength: 4200,
            tokenStart: true,
          }),
        ],
      );
    case "http-auth-header":
      return regexRule({
        name,
        description: "values of Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Amz-Security-Token headers",
        regex:
          /(?:^(?:[<>] )?[ \t]*(?:proxy-authorization|authorization|set-cookie|cookie|x-amz-security-token)[ \t]*:[ \t]*(?<v>(?!\*{4}[ \t]*$)[^\s](?:[^\r\n]{0,8190}[^\s])?)|["'](?:proxy-authorization|authorization|set-cookie|cookie|x-amz-security-token)\\?["']\s*:\s*\\?["'](?<w>(?!\*{4}\\?["'])[^"'\r\n\\]{1,8192}))/gim,
        replacement: SECRET_MASK,
        maxLength: 8300,
      });
    case "bearer-token":
      return regexRule({
        name,
        description: "Bearer tokens",
        regex: /\bbearer[ \t]+(?<v>(?=[A-Za-z\-._~+/]*[0-9])[A-Za-z0-9\-._~+/]{12,4096}=*)/i,
        replacement: SECRET_MASK,
        maxLength: 4200,
      });
    case "jwt":
      return regexRule({
        name,
        description: "JSON Web Tokens (eyJ….eyJ….signature)",
        regex: /(?<v>eyJ[A-Za-z0-9_-]{5,4096}\.eyJ[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{0,4096})/,
        tokenStart: true,
        replacement: SECRET_MASK,
        maxLength: 16_400,
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
      });
  }
}

/** Listed account IDs wherever they appear, with or without the console's dashes. */
export function listedAccountIdsRule(ids: readonly string[]): MaskRule {
  const values = ids.flatMap((id) => [id, `${id.slice(0, 4)}-${id.slice(4, 8)}-${id.slice(8)}`]);
  return literalRule({
    name: "account-id",
    description: "listed account IDs anywhere",
    values,
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
 * overlap: the earliest value wins, and the longest of those starting at the
 * same place (an Authorization header's value contains its Bearer token). A
 * value that starts inside a kept one but reaches past it keeps its tail, so
 * the union is masked: a secret that begins inside a token is not left half in clear.
 */
export function findMatches(text: string, rules: readonly MaskRule[], from = 0): MaskMatch[] {
  const all: MaskMatch[] = [];
  for (const rule of rules) for (const m of rule.find(text, from)) all.push(m);
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

/** Masks a whole string in memory; returns the text and the count per rule. */
export function maskText(text: string, rules: readonly MaskRule[]): { text: string; counts: Record<string, number> } {
  const matches = findMatches(text, rules);
  const counts: Record<string, number> = {};
  for (const m of matches) counts[m.rule] = (counts[m.rule] ?? 0) + 1;
  return { text: applyMatches(text, matches), counts };
}

/** `mydb.abc123xyz.us-west-2.rds.amazonaws.com` -> `****.****.us-west-2.rds.amazonaws.com`. */
export function maskRdsEndpoint(text: string): string {
  return maskText(text, [builtIn("rds-endpoint")]).text;
}

/** Account IDs in ARNs, and the listed IDs anywhere, become `************`. */
export function maskAccountIds(text: string, extraIds: readonly string[] = []): string {
  return maskText(text, builtInRules({ names: ["account-id"], accountIds: extraIds })).text;
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
