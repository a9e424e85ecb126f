/**
 * CloudWatch Logs filter patterns, as FilterLogEvents applies them: the term
 * form (`ERROR`, `"exact phrase"`, `?ERROR ?WARN`, `"ERROR" -"Exiting"`) and
 * the JSON form (`{ $.route = "/dbcheck" && $.status >= 500 }`, `IS TRUE`,
 * `IS NULL`, `NOT EXISTS`, `*` wildcards in string values, parentheses).
 * Syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 * and .../logs/matching-terms-json-log-events.html. Regular expressions
 * (`%...%`) and space-delimited patterns (`[ip, user, ...]`) are refused as
 * not emulated rather than matched wrongly.
 */
import { AwsError } from "../../errors";

export type EventMatcher = (message: string) => boolean;

const invalid = (detail: string) => new AwsError("InvalidParameterException", `Invalid filter pattern: ${detail}`);

// biome-ignore lint/suspicious/noExplicitAny: a parsed JSON log event
type Json = any;

interface Token {
  kind: "op" | "string" | "word" | "punct";
  text: string;
}

const WORD = /^[A-Za-z0-9_.*\-/:@#+]+/;

function tokenizeJson(body: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const rest = body.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const op = /^(&&|\|\||!=|<=|>=|=|<|>)/.exec(rest);
    if (op) {
      tokens.push({ kind: "op", text: op[0] });
      i += op[0].length;
      continue;
    }
    if (rest[0] === "(" || rest[0] === ")") {
      tokens.push({ kind: "punct", text: rest[0] });
      i++;
      continue;
    }
    if (rest[0] === '"') {
      let j = 1;
      let text = "";
      while (j < rest.length && rest[j] !== '"') {
        if (rest[j] === "\\" && j + 1 < rest.length) j++;
        text += rest[j];
        j++;
      }
      if (j >= rest.length) throw invalid("unterminated quoted string");
      tokens.push({ kind: "string", text });
      i += j + 1;
      continue;
    }
    const selector = /^\$(\.[A-Za-z0-9_-]+|\[\d+\])*/.exec(rest);
    if (selector && selector[0].length > 0 && rest[0] === "$") {
      tokens.push({ kind: "word", text: selector[0] });
      i += selector[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (!word) throw invalid(`unexpected character '${rest[0]}'`);
    tokens.push({ kind: "word", text: word[0] });
    i += word[0].length;
  }
  return tokens;
}

function select(event: Json, selector: string): { found: boolean; value: Json } {
  let value: Json = event;
  const parts = selector.slice(1).match(/\.[A-Za-z0-9_-]+|\[\d+\]/g) ?? [];
  for (const part of parts) {
    if (value === null || typeof value !== "object") return { found: false, value: undefined };
    const key = part.startsWith("[") ? Number(part.slice(1, -1)) : part.slice(1);
    if (!(key in value)) return { found: false, value: undefined };
    value = value[key];
  }
  return { found: true, value };
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "s");
}

type JsonTest = (event: Json) => boolean;

class JsonParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): JsonTest {
    const test = this.or();
    if (this.pos < this.tokens.length) throw invalid(`unexpected '${this.tokens[this.pos]?.text}'`);
    return test;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw invalid("the expression ends too early");
    return t;
  }

  private or(): JsonTest {
    const parts = [this.and()];
    while (this.peek()?.text === "||") {
      this.pos++;
      parts.push(this.and());
    }
    return parts.length === 1 ? (parts[0] as JsonTest) : (e) => parts.some((p) => p(e));
  }

  private and(): JsonTest {
    const parts = [this.primary()];
    while (this.peek()?.text === "&&") {
      this.pos++;
      parts.push(this.primary());
    }
    return parts.length === 1 ? (parts[0] as JsonTest) : (e) => parts.every((p) => p(e));
  }

  private primary(): JsonTest {
    const t = this.next();
    if (t.text === "(") {
      const inner = this.or();
      if (this.next().text !== ")") throw invalid("unbalanced parentheses");
      return inner;
    }
    if (t.kind !== "word" || !t.text.startsWith("$"))
      throw invalid(`expected a selector like $.field, got '${t.text}'`);
    const selector = t.text;
    const op = this.next();
    if (op.kind === "word" && op.text === "IS") {
      const what = this.next().text;
      if (what === "TRUE") return (e) => select(e, selector).value === true;
      if (what === "FALSE") return (e) => select(e, selector).value === false;
      if (what === "NULL") return (e) => select(e, selector).found && select(e, selector).value === null;
      throw invalid(`IS must be followed by TRUE, FALSE or NULL, got '${what}'`);
    }
    if (op.kind === "word" && op.text === "NOT") {
      if (this.next().text !== "EXISTS") throw invalid("NOT must be followed by EXISTS");
      return (e) => !select(e, selector).found;
    }
    if (op.kind !== "op" || op.text === "&&" || op.text === "||")
      throw invalid(`expected an operator after ${selector}`);
    const valueToken = this.next();
    if (valueToken.kind !== "string" && valueToken.kind !== "word") throw invalid(`expected a value after ${op.text}`);
    const numeric = valueToken.kind === "word" && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(valueToken.text);
    if (numeric) {
      const n = Number(valueToken.text);
      const compare: Record<string, (a: number) => boolean> = {
        "=": (a) => a === n,
        "!=": (a) => a !== n,
        "<": (a) => a < n,
        ">": (a) => a > n,
        "<=": (a) => a <= n,
        ">=": (a) => a >= n,
      };
      const cmp = compare[op.text] as (a: number) => boolean;
      return (e) => {
        const { found, value } = select(e, selector);
        return found && typeof value === "number" && cmp(value);
      };
    }
    if (op.text !== "=" && op.text !== "!=")
      throw invalid(`${op.text} compares numbers; strings take = or != (${selector})`);
    const re = wildcard(valueToken.text);
    const equal = op.text === "=";
    return (e) => {
      const { found, value } = select(e, selector);
      if (!found || value === null || typeof value === "object") return false;
      return re.test(String(value)) === equal;
    };
  }
}

interface Term {
  text: string;
  mode: "all" | "any" | "not";
}

function parseTerms(pattern: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < pattern.length) {
    const rest = pattern.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    let mode: Term["mode"] = "all";
    let j = 0;
    if (rest[0] === "?" || rest[0] === "-") {
      mode = rest[0] === "?" ? "any" : "not";
      j = 1;
    }
    if (rest[j] === '"') {
      const end = rest.indexOf('"', j + 1);
      if (end < 0) throw invalid("unterminated quoted term");
      terms.push({ text: rest.slice(j + 1, end), mode });
      i += end + 1;
      continue;
    }
    const word = /^[^\s]+/.exec(rest.slice(j))?.[0] ?? "";
    // Unquoted terms are alphanumeric; anything else must be quoted.
    if (!/^[A-Za-z0-9_]+$/.test(word)) throw invalid(`Invalid character(s) in term '${word}': quote it`);
    terms.push({ text: word, mode });
    i += j + word.length;
  }
  return terms;
}

/** The matcher FilterLogEvents applies for `filterPattern` (empty or absent: every event). */
export function compileFilterPattern(pattern: string | undefined): EventMatcher {
  const text = (pattern ?? "").trim();
  if (text === "" || text === '""' || text === '" "') return () => true;
  if (text.length > 1024)
    throw new AwsError(
      "InvalidParameterException",
      "1 validation error detected: Value at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024",
    );
  if (text.includes("%")) throw invalid("regular expressions (%...%) are not emulated (emulator: not implemented)");
  if (text.startsWith("["))
    throw invalid("space-delimited patterns [...] are not emulated (emulator: not implemented)");
  if (text.startsWith("{")) {
    if (!text.endsWith("}")) throw invalid("a JSON pattern must end with }");
    const test = new JsonParser(tokenizeJson(text.slice(1, -1))).parse();
    return (message) => {
      let event: Json;
      try {
        event = JSON.parse(message);
      } catch {
        return false;
      }
      return event !== null && typeof event === "object" && test(event);
    };
  }
  const terms = parseTerms(text);
  const all = terms.filter((t) => t.mode === "all");
  const any = terms.filter((t) => t.mode === "any");
  const not = terms.filter((t) => t.mode === "not");
  return (message) =>
    all.every((t) => message.includes(t.text)) &&
    (any.length === 0 || any.some((t) => message.includes(t.text))) &&
    !not.some((t) => message.includes(t.text));
}
