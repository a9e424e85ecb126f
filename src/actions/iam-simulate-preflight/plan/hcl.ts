/**
 * A reader for the part of Terraform's native HCL syntax that policies and
 * container definitions are written in: blocks and attributes of a `.tf`
 * file, and expressions made of literals, strings and heredocs with `${}`
 * interpolation, tuples, objects, references (`aws_x.y.arn`, `var.v`,
 * `aws_x.y[0].arn`), parentheses and function calls. Anything else
 * (operators, conditionals, `for`, splats, template directives) is refused
 * with `HclUnsupported` naming it, so the caller reports the value as unknown
 * instead of guessing. Syntax: https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md
 */

/** A traversal step: `.name`, or an index (`[0]`, `["key"]`, the legacy `.0`). */
export type Step = string | { index: string | number };

export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };

export type Expr =
  | { kind: "literal"; value: HclValue }
  | { kind: "template"; parts: (string | Expr)[] }
  | { kind: "tuple"; items: Expr[] }
  | { kind: "object"; items: { key: Expr; value: Expr }[] }
  | { kind: "reference"; root: string; steps: Step[] }
  | { kind: "call"; name: string; args: Expr[] };

/** A construct the reader does not evaluate (the caller reports the value as unknown). */
export class HclUnsupported extends Error {}

export interface HclBlock {
  type: string;
  labels: string[];
  /** 1-based line of the block header. */
  line: number;
  attributes: Map<string, { text: string; line: number }>;
  blocks: HclBlock[];
}

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;

class Reader {
  pos = 0;
  constructor(
    readonly text: string,
    readonly lineOffset = 0,
  ) {}

  fail(what: string): never {
    throw new HclUnsupported(`${what} (line ${this.lineAt(this.pos)})`);
  }

  lineAt(pos: number): number {
    let line = this.lineOffset + 1;
    for (let i = 0; i < pos && i < this.text.length; i++) if (this.text[i] === "\n") line++;
    return line;
  }

  peek(n = 0): string {
    return this.text[this.pos + n] ?? "";
  }

  /** Skips blanks and comments; newlines too when `newlines`. */
  blank(newlines: boolean) {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) this.pos++;
      else if (c === "#" || (c === "/" && this.peek(1) === "/")) {
        while (this.pos < this.text.length && this.peek() !== "\n") this.pos++;
      } else if (c === "/" && this.peek(1) === "*") {
        const end = this.text.indexOf("*/", this.pos + 2);
        this.pos = end < 0 ? this.text.length : end + 2;
      } else return;
    }
  }

  ident(): string | undefined {
    IDENT.lastIndex = this.pos;
    const m = IDENT.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  expect(c: string) {
    if (this.peek() !== c) this.fail(`expected '${c}'`);
    this.pos++;
  }

  // ---- expressions

  expression(): Expr {
    this.blank(false);
    const e = this.postfix(this.primary());
    this.blank(false);
    const c = this.peek();
    if (c === "?") this.fail("a conditional expression");
    if ((c !== "" && "+-*/%<>!&|".includes(c)) || (c === "=" && this.peek(1) === "=")) this.fail(`the operator '${c}'`);
    return e;
  }

  primary(): Expr {
    const c = this.peek();
    if (c === '"') return this.template();
    if (c === "<" && this.peek(1) === "<") return this.heredoc();
    if (c === "[") return this.tuple();
    if (c === "{") return this.object();
    if (c === "(") {
      this.pos++;
      this.blank(true);
      const inner = this.expression();
      this.blank(true);
      this.expect(")");
      return inner;
    }
    if (c === "-" || (c >= "0" && c <= "9")) {
      const m = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
      m.lastIndex = this.pos;
      const n = m.exec(this.text);
      if (!n) this.fail("the operator '-'");
      this.pos += n[0].length;
      return { kind: "literal", value: Number(n[0]) };
    }
    const name = this.ident();
    if (name === undefined) this.fail(`an unexpected '${c || "end of input"}'`);
    if (name === "true" || name === "false") return { kind: "literal", value: name === "true" };
    if (name === "null") return { kind: "literal", value: null };
    if (this.peek() === ":" && this.peek(1) === ":") this.fail(`the provider function ${name}::…`);
    this.blank(false);
    if (this.peek() === "(") return this.call(name);
    return { kind: "reference", root: name, steps: [] };
  }

  postfix(e: Expr): Expr {
    for (;;) {
      const c = this.peek();
      if (c === ".") {
        if (e.kind !== "reference") this.fail("an attribute of a value that is not a reference");
        this.pos++;
        if (this.peek() === "*") this.fail("a splat expression (.*)");
        const num = /\d+/y;
        num.lastIndex = this.pos;
        const index = num.exec(this.text);
        if (index) {
          this.pos += index[0].length;
          e.steps.push({ index: Number(index[0]) });
          continue;
        }
        const name = this.ident();
        if (name === undefined) this.fail("an attribute name after '.'");
        e.steps.push(name);
      } else if (c === "[") {
        if (e.kind !== "reference") this.fail("an index into a value that is not a reference");
        this.pos++;
        this.blank(true);
        if (this.peek() === "*") this.fail("a splat expression ([*])");
        const key = this.expression();
        this.blank(true);
        this.expect("]");
        if (key.kind !== "literal" || (typeof key.value !== "string" && typeof key.value !== "number")) {
          if (key.kind === "template" && key.parts.every((p) => typeof p === "string")) {
            e.steps.push({ index: key.parts.join("") });
            continue;
          }
          this.fail("an index that is not a literal");
        }
        e.steps.push({ index: key.value as string | number });
      } else return e;
    }
  }

  call(name: string): Expr {
    this.expect("(");
    const args: Expr[] = [];
    for (;;) {
      this.blank(true);
      if (this.peek() === ")") break;
      args.push(this.expression());
      this.blank(true);
      if (this.peek() === "." && this.peek(1) === "." && this.peek(2) === ".") this.fail("an expanded argument (...)");
      if (this.peek() === ",") this.pos++;
      else if (this.peek() !== ")") this.fail(`an unexpected '${this.peek()}' in the arguments of ${name}`);
    }
    this.pos++;
    return { kind: "call", name, args };
  }

  tuple(): Expr {
    this.expect("[");
    this.blank(true);
    if (/^for\s/.test(this.text.slice(this.pos, this.pos + 4))) this.fail("a for expression");
    const items: Expr[] = [];
    for (;;) {
      this.blank(true);
      if (this.peek() === "]") break;
      items.push(this.expression());
      this.blank(true);
      if (this.peek() === ",") this.pos++;
      else if (this.peek() !== "]") this.fail(`an unexpected '${this.peek()}' in a tuple`);
    }
    this.pos++;
    return { kind: "tuple", items };
  }

  object(): Expr {
    this.expect("{");
    this.blank(true);
    if (/^for\s/.test(this.text.slice(this.pos, this.pos + 4))) this.fail("a for expression");
    const items: { key: Expr; value: Expr }[] = [];
    for (;;) {
      this.blank(true);
      if (this.peek() === "}") break;
      let key: Expr;
      const start = this.pos;
      const bare = this.ident();
      if (bare !== undefined) {
        this.blank(false);
        if (this.peek() === "=" || this.peek() === ":") key = { kind: "literal", value: bare };
        else {
          this.pos = start;
          key = this.expression();
        }
      } else key = this.expression();
      this.blank(false);
      if (this.peek() !== "=" && this.peek() !== ":") this.fail("an object item without '=' or ':'");
      if (this.peek(1) === "=") this.fail("the operator '=='");
      this.pos++;
      const value = this.expression();
      items.push({ key, value });
      this.blank(false);
      if (this.peek() === ",") this.pos++;
      else if (this.peek() !== "\n" && this.peek() !== "}") this.fail(`an unexpected '${this.peek()}' in an object`);
    }
    this.pos++;
    return { kind: "object", items };
  }

  /** `"..."`: escapes, `$${`/`%%{` literals, `${ expr }` interpolations. */
  template(): Expr {
    this.expect('"');
    const parts: (string | Expr)[] = [];
    let literal = "";
    for (;;) {
      const c = this.peek();
      if (c === "" || c === "\n") this.fail("an unterminated string");
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c === "\\") {
        literal += this.escape();
        continue;
      }
      if (this.interpolation(parts, literal)) {
        literal = "";
        continue;
      }
      literal += c;
      this.pos++;
    }
    if (literal !== "" || parts.length === 0) parts.push(literal);
    return { kind: "template", parts };
  }

  escape(): string {
    const e = this.peek(1);
    const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
    if (e in simple) {
      this.pos += 2;
      return simple[e] as string;
    }
    const hex = e === "u" ? 4 : e === "U" ? 8 : 0;
    const digits = this.text.slice(this.pos + 2, this.pos + 2 + hex);
    if (hex === 0 || !/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) this.fail(`the escape '\\${e}'`);
    this.pos += 2 + hex;
    return String.fromCodePoint(Number.parseInt(digits, 16));
  }

  /** At `${`, `$${`, `%{` or `%%{`: consumes it into `parts` (after `literal`) and says so. */
  interpolation(parts: (string | Expr)[], literal: string): boolean {
    const two = this.text.slice(this.pos, this.pos + 3);
    if (two === "$${" || two === "%%{") {
      parts.push(`${literal}${two.slice(1)}`);
      this.pos += 3;
      return true;
    }
    if (two.startsWith("%{")) this.fail("a template directive (%{ … })");
    if (!two.startsWith("${")) return false;
    this.pos += 2;
    if (this.peek() === "~") this.fail("a whitespace strip marker (${~)");
    if (literal !== "") parts.push(literal);
    this.blank(true);
    parts.push(this.expression());
    this.blank(true);
    if (this.peek() === "~") this.fail("a whitespace strip marker (~})");
    this.expect("}");
    return true;
  }

  /** `<<EOT` / `<<-EOT` (the indented form strips the common leading blanks). */
  heredoc(): Expr {
    const m = /<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n/y;
    m.lastIndex = this.pos;
    const h = m.exec(this.text);
    if (!h) this.fail("a heredoc header");
    const [, indented, marker] = h;
    const bodyStart = this.pos + h[0].length;
    const lines: string[] = [];
    let at = bodyStart;
    for (;;) {
      if (at >= this.text.length) this.fail(`an unterminated heredoc ${marker}`);
      const end = this.text.indexOf("\n", at);
      const line = this.text.slice(at, end < 0 ? this.text.length : end);
      if (line.trim() === marker) {
        this.pos = end < 0 ? this.text.length : end;
        break;
      }
      lines.push(line);
      at = end < 0 ? this.text.length : end + 1;
    }
    let body = lines.map((l) => `${l}\n`);
    if (indented) {
      const widths = lines.filter((l) => l.trim() !== "").map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
      const strip = widths.length > 0 ? Math.min(...widths) : 0;
      body = body.map((l) => l.slice(Math.min(strip, /^[ \t]*/.exec(l)?.[0].length ?? 0)));
    }
    const inner = new Reader(body.join(""), this.lineAt(bodyStart) - 1);
    const parts: (string | Expr)[] = [];
    let literal = "";
    while (inner.pos < inner.text.length) {
      if (inner.interpolation(parts, literal)) {
        literal = "";
        continue;
      }
      literal += inner.peek();
      inner.pos++;
    }
    if (literal !== "" || parts.length === 0) parts.push(literal);
    return { kind: "template", parts };
  }

  // ---- bodies

  /** Skips one attribute's expression (to the end of its line, across brackets, strings and heredocs). */
  skipExpression() {
    let depth = 0;
    while (this.pos < this.text.length) {
      this.blank(depth > 0);
      const c = this.peek();
      if (c === "" || (c === "\n" && depth === 0) || (c === "}" && depth === 0)) return;
      if (c === '"') {
        this.skipString();
        continue;
      }
      if (c === "<" && this.peek(1) === "<" && this.skipHeredoc()) continue;
      if (c === "{" || c === "[" || c === "(") depth++;
      else if (c === "}" || c === "]" || c === ")") depth--;
      this.pos++;
    }
  }

  /** Past a heredoc (to its closing marker line) without reading its body; false when this is no heredoc. */
  skipHeredoc(): boolean {
    const m = /<<-?([A-Za-z_][A-Za-z0-9_-]*)\r?\n/y;
    m.lastIndex = this.pos;
    const h = m.exec(this.text);
    if (!h) return false;
    const close = new RegExp(`\\n[ \\t]*${h[1]}[ \\t]*\\r?(?=\\n|$)`, "g");
    close.lastIndex = this.pos + h[0].length - 1;
    const end = close.exec(this.text);
    this.pos = end ? end.index + end[0].length : this.text.length;
    return true;
  }

  skipString() {
    this.pos++;
    let depth = 0;
    while (this.pos < this.text.length) {
      const c = this.peek();
      if (c === "\\") this.pos += 2;
      else if (depth === 0 && c === '"') {
        this.pos++;
        return;
      } else if ((c === "$" || c === "%") && this.peek(1) === "{") {
        depth++;
        this.pos += 2;
      } else if (depth > 0 && c === '"') this.skipString();
      else {
        if (depth > 0 && c === "}") depth--;
        this.pos++;
      }
    }
  }

  /** The attributes and nested blocks of a body, up to its closing `}` (or the end). */
  body(type: string, labels: string[], line: number): HclBlock {
    const block: HclBlock = { type, labels, line, attributes: new Map(), blocks: [] };
    for (;;) {
      this.blank(true);
      if (this.pos >= this.text.length) return block;
      if (this.peek() === "}") {
        this.pos++;
        return block;
      }
      const start = this.pos;
      const name = this.ident();
      if (name === undefined) this.fail(`an unexpected '${this.peek()}' in a block`);
      this.blank(false);
      if (this.peek() === "=" && this.peek(1) !== "=") {
        this.pos++;
        const from = this.pos;
        this.skipExpression();
        block.attributes.set(name, { text: this.text.slice(from, this.pos), line: this.lineAt(start) });
        continue;
      }
      const blockLabels: string[] = [];
      for (;;) {
        this.blank(false);
        if (this.peek() === '"') {
          const label = this.template();
          if (label.kind !== "template" || label.parts.some((p) => typeof p !== "string")) this.fail("a block label");
          blockLabels.push(label.parts.join(""));
        } else if (this.peek() === "{") break;
        else {
          const bare = this.ident();
          if (bare === undefined) this.fail(`an unexpected '${this.peek()}' after ${name}`);
          blockLabels.push(bare);
        }
      }
      this.pos++;
      block.blocks.push(this.body(name, blockLabels, this.lineAt(start)));
    }
  }
}

/** The top-level blocks of a `.tf` file (`resource`, `data`, `locals`, ...). Throws HclUnsupported on what it cannot read. */
export function parseHclFile(text: string): HclBlock[] {
  return new Reader(text).body("", [], 1).blocks;
}

/** One attribute's expression (`text` as `HclBlock.attributes` holds it, from the line `line`). */
export function parseHclExpression(text: string, line = 1): Expr {
  const reader = new Reader(text, line - 1);
  reader.blank(true);
  const e = reader.expression();
  reader.blank(true);
  if (reader.pos < reader.text.length) reader.fail(`an unexpected '${reader.peek()}' after the expression`);
  return e;
}

/** Every reference in an expression, as written (`aws_x.y.arn`, `var.v`). */
export function referencesIn(e: Expr, out: { root: string; steps: Step[] }[] = []) {
  switch (e.kind) {
    case "reference":
      out.push(e);
      break;
    case "template":
      for (const p of e.parts) if (typeof p !== "string") referencesIn(p, out);
      break;
    case "tuple":
      for (const i of e.items) referencesIn(i, out);
      break;
    case "object":
      for (const i of e.items) {
        referencesIn(i.key, out);
        referencesIn(i.value, out);
      }
      break;
    case "call":
      for (const a of e.args) referencesIn(a, out);
      break;
  }
  return out;
}

/** A value unknown until apply (or one the preflight cannot know), met while evaluating. */
export class HclUnknown extends Error {}

/** Evaluates an expression; `resolve` gives a reference's value or throws HclUnknown. */
export function evaluateHcl(e: Expr, resolve: (root: string, steps: Step[]) => HclValue): HclValue {
  const ev = (x: Expr) => evaluateHcl(x, resolve);
  switch (e.kind) {
    case "literal":
      return e.value;
    case "template": {
      if (e.parts.length === 1 && typeof e.parts[0] !== "string") {
        // "${x}" alone is x itself (HCL keeps its type).
        return ev(e.parts[0] as Expr);
      }
      return e.parts
        .map((p) => {
          if (typeof p === "string") return p;
          const v = ev(p);
          if (typeof v === "string") return v;
          if (typeof v === "number" || typeof v === "boolean") return String(v);
          throw new HclUnsupported(`an interpolation of a ${v === null ? "null" : "collection"} value into a string`);
        })
        .join("");
    }
    case "tuple":
      return e.items.map(ev);
    case "object": {
      const out: Record<string, HclValue> = {};
      for (const { key, value } of e.items) {
        const k = ev(key);
        if (typeof k !== "string") throw new HclUnsupported("an object key that is not a string");
        out[k] = ev(value);
      }
      return out;
    }
    case "reference":
      return resolve(e.root, e.steps);
    case "call": {
      if (e.name === "jsonencode" && e.args.length === 1) return jsonencode(ev(e.args[0] as Expr));
      if (e.name === "tostring" && e.args.length === 1) {
        const v = ev(e.args[0] as Expr);
        if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
      }
      throw new HclUnsupported(`the function ${e.name}()`);
    }
  }
}

/** Terraform's jsonencode: objects with their attributes in lexical order (cty's order). */
export function jsonencode(v: HclValue): string {
  const sorted = (x: HclValue): unknown =>
    Array.isArray(x)
      ? x.map(sorted)
      : x && typeof x === "object"
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sorted(x[k] as HclValue)]),
          )
        : x;
  return JSON.stringify(sorted(v));
}
