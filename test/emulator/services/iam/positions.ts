/**
 * Where each statement sits in a policy document's text, as IAM reports it in
 * `MatchedStatements` (`StartPosition` / `EndPosition`): 1-based lines and
 * columns, the start just after the `[` or `,` that precedes the statement and
 * the end just after its closing `}` — the AWS CLI's own example
 * (`"Line": 3, "Column": 19` for a statement opened on the line of `"Statement": [`)
 * follows this rule.
 */
export interface Position {
  Line: number;
  Column: number;
}

export interface StatementSpan {
  StartPosition: Position;
  EndPosition: Position;
}

/** Spans of the top-level `Statement` entries, in order; empty if the text is not a policy. */
export function statementSpans(text: string): StatementSpan[] {
  const scanner = new Scanner(text);
  try {
    return scanner.policy();
  } catch {
    return [];
  }
}

class Scanner {
  private i = 0;
  constructor(private readonly s: string) {}

  policy(): StatementSpan[] {
    this.ws();
    this.expect("{");
    const spans: StatementSpan[] = [];
    this.ws();
    if (this.peek() === "}") return spans;
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      this.expect(":");
      if (key === "Statement") {
        const afterColon = this.i;
        this.ws();
        if (this.peek() === "[") {
          this.i++;
          let start = this.i;
          this.ws();
          if (this.peek() === "]") this.i++;
          else {
            for (;;) {
              this.ws();
              this.value();
              spans.push({ StartPosition: this.position(start), EndPosition: this.position(this.i) });
              this.ws();
              const c = this.next();
              if (c === "]") break;
              if (c !== ",") throw new Error("bad array");
              start = this.i;
            }
          }
        } else {
          this.value();
          spans.push({ StartPosition: this.position(afterColon), EndPosition: this.position(this.i) });
        }
      } else {
        this.ws();
        this.value();
      }
      this.ws();
      const c = this.next();
      if (c === "}") return spans;
      if (c !== ",") throw new Error("bad object");
    }
  }

  private position(offset: number): Position {
    let line = 1;
    let lineStart = 0;
    for (let k = 0; k < offset; k++) {
      if (this.s[k] === "\n") {
        line++;
        lineStart = k + 1;
      }
    }
    return { Line: line, Column: offset - lineStart + 1 };
  }

  private peek(): string | undefined {
    return this.s[this.i];
  }

  private next(): string | undefined {
    return this.s[this.i++];
  }

  private expect(c: string): void {
    if (this.next() !== c) throw new Error(`expected ${c}`);
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] as string)) this.i++;
  }

  private string(): string {
    this.expect('"');
    let out = "";
    for (;;) {
      const c = this.next();
      if (c === undefined) throw new Error("unterminated string");
      if (c === '"') return out;
      if (c === "\\") {
        out += this.next() ?? "";
        continue;
      }
      out += c;
    }
  }

  private value(): void {
    this.ws();
    const c = this.peek();
    if (c === '"') {
      this.string();
      return;
    }
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      this.i++;
      this.ws();
      if (this.peek() === close) {
        this.i++;
        return;
      }
      for (;;) {
        if (c === "{") {
          this.ws();
          this.string();
          this.ws();
          this.expect(":");
        }
        this.value();
        this.ws();
        const n = this.next();
        if (n === close) return;
        if (n !== ",") throw new Error("bad container");
      }
    }
    // number, true, false, null
    const m = /^[-+0-9.eE]+|^true|^false|^null/.exec(this.s.slice(this.i, this.i + 32));
    if (!m) throw new Error("bad value");
    this.i += m[0].length;
  }
}
