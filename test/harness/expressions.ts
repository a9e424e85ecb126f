/**
 * A small evaluator for GitHub Actions `${{ }}` expressions: enough of the
 * language for the suite's own workflows (contexts, ==, !=, <, >, &&, ||, !,
 * literals, status functions, contains/startsWith/endsWith/format/fromJSON/toJSON).
 * Unknown syntax throws: the workflow runner must not silently guess.
 */

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value } | undefined;

export interface ExpressionContext {
  contexts: Record<string, Value>;
  /** Job status for success()/failure()/always()/cancelled(). */
  jobFailed: boolean;
}

type Token = { kind: "num" | "str" | "ident" | "op" | "punct"; text: string; value?: Value };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in expression: ${src}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i];
        i++;
      }
      tokens.push({ kind: "str", text: s, value: s });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) {
      tokens.push({ kind: "op", text: two });
      i += 2;
      continue;
    }
    if ("<>!".includes(c)) {
      tokens.push({ kind: "op", text: c });
      i++;
      continue;
    }
    if ("().,[]*".includes(c)) {
      tokens.push({ kind: "punct", text: c });
      i++;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num) {
      tokens.push({ kind: "num", text: num[0], value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (ident) {
      tokens.push({ kind: "ident", text: ident[0] });
      i += ident[0].length;
      continue;
    }
    throw new Error(`unexpected '${c}' in expression: ${src}`);
  }
  return tokens;
}

function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (typeof v === "number" && Number.isNaN(v)) return false;
  return true;
}

function toStr(v: Value): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function coerceNumber(v: Value): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") return v.trim() === "" ? 0 : Number(v);
  return Number.NaN;
}

/** Loose equality as GitHub defines it (strings compared case-insensitively, else numeric coercion). */
function equals(a: Value, b: Value): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) return a === b;
  return coerceNumber(a) === coerceNumber(b);
}

export function evaluate(src: string, ctx: ExpressionContext): Value {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const expect = (text: string) => {
    const t = next();
    if (!t || t.text !== text) throw new Error(`expected '${text}' in expression: ${src}`);
  };

  function or(): Value {
    let left = and();
    while (peek()?.text === "||") {
      next();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  }
  function and(): Value {
    let left = comparison();
    while (peek()?.text === "&&") {
      next();
      const right = comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }
  function comparison(): Value {
    let left = unary();
    for (let t = peek(); t && t.kind === "op" && ["==", "!=", "<", ">", "<=", ">="].includes(t.text); t = peek()) {
      next();
      const right = unary();
      switch (t.text) {
        case "==":
          left = equals(left, right);
          break;
        case "!=":
          left = !equals(left, right);
          break;
        case "<":
          left = coerceNumber(left) < coerceNumber(right);
          break;
        case ">":
          left = coerceNumber(left) > coerceNumber(right);
          break;
        case "<=":
          left = coerceNumber(left) <= coerceNumber(right);
          break;
        default:
          left = coerceNumber(left) >= coerceNumber(right);
      }
    }
    return left;
  }
  function unary(): Value {
    if (peek()?.text === "!") {
      next();
      return !truthy(unary());
    }
    return postfix();
  }
  function postfix(): Value {
    let value = primary();
    for (;;) {
      const t = peek();
      if (t?.text === ".") {
        next();
        const name = next();
        if (!name || (name.kind !== "ident" && name.text !== "*")) throw new Error(`bad property access in: ${src}`);
        value = property(value, name.text);
      } else if (t?.text === "[") {
        next();
        const key = or();
        expect("]");
        value = property(value, toStr(key));
      } else return value;
    }
  }
  function property(value: Value, name: string): Value {
    if (value === null || value === undefined || typeof value !== "object") return undefined;
    if (Array.isArray(value)) return value[Number(name)];
    const direct = (value as Record<string, Value>)[name];
    if (direct !== undefined) return direct;
    const key = Object.keys(value).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : (value as Record<string, Value>)[key];
  }
  function primary(): Value {
    const t = next();
    if (!t) throw new Error(`unexpected end of expression: ${src}`);
    if (t.kind === "num" || t.kind === "str") return t.value;
    if (t.text === "(") {
      const v = or();
      expect(")");
      return v;
    }
    if (t.kind !== "ident") throw new Error(`unexpected '${t.text}' in expression: ${src}`);
    if (t.text === "true") return true;
    if (t.text === "false") return false;
    if (t.text === "null") return null;
    if (peek()?.text === "(") {
      next();
      const args: Value[] = [];
      if (peek()?.text !== ")") {
        args.push(or());
        while (peek()?.text === ",") {
          next();
          args.push(or());
        }
      }
      expect(")");
      return call(t.text, args);
    }
    if (!(t.text in ctx.contexts)) throw new Error(`unknown context '${t.text}' in expression: ${src}`);
    return ctx.contexts[t.text];
  }
  function call(name: string, args: Value[]): Value {
    switch (name.toLowerCase()) {
      case "always":
        return true;
      case "success":
        return !ctx.jobFailed;
      case "failure":
        return ctx.jobFailed;
      case "cancelled":
        return false;
      case "contains": {
        const [hay, needle] = args;
        if (Array.isArray(hay)) return hay.some((h) => equals(h, needle as Value));
        return toStr(hay).toLowerCase().includes(toStr(needle).toLowerCase());
      }
      case "startswith":
        return toStr(args[0]).toLowerCase().startsWith(toStr(args[1]).toLowerCase());
      case "endswith":
        return toStr(args[0]).toLowerCase().endsWith(toStr(args[1]).toLowerCase());
      case "format":
        return toStr(args[0]).replace(/\{(\d+)\}/g, (_m, n) => toStr(args[Number(n) + 1]));
      case "fromjson":
        return JSON.parse(toStr(args[0])) as Value;
      case "tojson":
        return JSON.stringify(args[0], null, 2);
      default:
        throw new Error(`unsupported function ${name}() in expression: ${src}`);
    }
  }

  const result = or();
  if (pos !== tokens.length) throw new Error(`unexpected '${tokens[pos]?.text}' in expression: ${src}`);
  return result;
}

/** Replaces every `${{ expr }}` in a string; a value that is only one expression keeps its string form. */
export function interpolate(template: string, ctx: ExpressionContext): string {
  return template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, expr: string) => toStr(evaluate(expr, ctx)));
}

/** An `if:` condition: `${{ }}` optional; without a status function, success() is implied. */
export function condition(src: string | boolean | undefined, ctx: ExpressionContext): boolean {
  if (src === undefined) return !ctx.jobFailed;
  if (typeof src === "boolean") return src && !ctx.jobFailed;
  const expr = src.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
  const value = truthy(evaluate(expr, ctx));
  if (/\b(always|failure|cancelled|success)\s*\(/.test(expr)) return value;
  return value && !ctx.jobFailed;
}

export { truthy };
