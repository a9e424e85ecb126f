/**
 * What a person sees: progress lines with the elapsed time on stderr, the
 * report (the job summary's markdown as text) on stdout, colour only on a TTY
 * and never with NO_COLOR. Every line is masked with the secrets registered so
 * far, as the runner masks its log.
 *
 * The actions log through the seam's `ActionDeps`, which the command line
 * builds on this console (cliSeam in deps.ts); nothing the command line runs
 * reaches @actions/core, whose `::add-mask::<secret>` and other workflow
 * commands would otherwise land on the terminal, and nothing but this console
 * writes to stdout, so stdout stays the report (or the one JSON document with
 * --json). test/security/report-seam.test.ts checks both on the command
 * line's module graph, and on the committed bundle (no workflow-command
 * writer in dist/cli); test/cli reads the bundle's --json stdout as exactly
 * that one document.
 */

import { inertLogText } from "../lib/inert-log";
import { redactor } from "../lib/masking";

export interface ConsoleOptions {
  json: boolean;
  verbose: boolean;
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  now?: () => number;
}

type Style = "bold" | "dim" | "red" | "green" | "yellow" | "cyan";
const CODES: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};

/** https://no-color.org: NO_COLOR present and not empty disables colour; so does a stream that is not a terminal. */
export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
}

/** The exit status of a run a signal stopped, as a shell reports it: 130 on SIGINT, 143 on SIGTERM. */
export const signalExit = (signal: NodeJS.Signals): number => (signal === "SIGINT" ? 130 : 143);

export class CliConsole {
  readonly json: boolean;
  readonly verbose: boolean;
  private readonly secrets = new Set<string>();
  private documented = false;
  private readonly out: (s: string) => void;
  private readonly err: (s: string) => void;
  private readonly colourOut: boolean;
  private readonly colourErr: boolean;
  private readonly now: () => number;
  readonly started: number;

  constructor(opts: ConsoleOptions) {
    const env = opts.env ?? process.env;
    const stdout = opts.stdout ?? process.stdout;
    const stderr = opts.stderr ?? process.stderr;
    const writeOut = stdout.write.bind(stdout);
    const writeErr = stderr.write.bind(stderr);
    this.out = (s) => void writeOut(s);
    this.err = (s) => void writeErr(s);
    this.colourOut = colourWanted(stdout, env);
    this.colourErr = colourWanted(stderr, env);
    this.json = opts.json;
    this.verbose = opts.verbose;
    this.now = opts.now ?? Date.now;
    this.started = this.now();
  }

  addSecret(value: string): void {
    if (value.trim() !== "") this.secrets.add(value);
  }

  mask(text: string): string {
    return redactor(this.secrets)(text);
  }

  private paint(colour: boolean, style: Style, text: string): string {
    if (!colour) return text;
    const [on, off] = CODES[style];
    return `\u001b[${on}m${text}\u001b[${off}m`;
  }

  /** Seconds since the command started, as shown in progress lines. */
  elapsed(): string {
    return `${((this.now() - this.started) / 1000).toFixed(1)}s`;
  }

  private line(text: string, style?: Style): void {
    const stamp = this.paint(this.colourErr, "dim", `[${this.elapsed().padStart(7)}]`);
    for (const l of inertLogText(this.mask(text)).split("\n")) {
      this.err(`${stamp} ${style ? this.paint(this.colourErr, style, l) : l}\n`);
    }
  }

  progress(text: string): void {
    this.line(text, "cyan");
  }
  info(text: string): void {
    this.line(text);
  }
  warning(text: string): void {
    this.line(`warning: ${text}`, "yellow");
  }
  error(text: string): void {
    this.line(`error: ${text}`, "red");
  }
  debug(text: string): void {
    if (this.verbose) this.line(`debug: ${text}`, "dim");
  }

  /** A usage error or a fatal one: plain, no timestamp. */
  fatal(text: string): void {
    this.err(`${this.paint(this.colourErr, "red", `ecs-alb-smoke: ${inertLogText(this.mask(text))}`)}\n`);
  }

  /** Lines to copy and paste (commands), on stderr without timestamps. */
  plain(text: string): void {
    this.err(`${inertLogText(this.mask(text))}\n`);
  }

  /**
   * The report for a person (stdout), long collapsed blocks folded unless
   * --verbose; nothing with --json, whose stdout is the JSON document only.
   */
  report(markdown: string): void {
    if (this.json) return;
    const paint = (s: Style, t: string) => this.paint(this.colourOut, s, t);
    this.out(`${this.mask(markdownToText(markdown, paint, this.verbose ? undefined : FOLD_LINES))}\n`);
  }

  verdict(passed: boolean, text: string): void {
    if (this.json) {
      this.line(text, passed ? "green" : "red");
      return;
    }
    this.out(`${this.paint(this.colourOut, passed ? "green" : "red", this.mask(text))}\n`);
  }

  /**
   * The one JSON document of --json; a second one is not printed (stdout is one document). Each string is masked
   * before it is encoded: JSON's escapes (`\"`, `\n`) would hide a secret with quotes or newlines from a mask
   * of the encoded text.
   */
  document(value: unknown): void {
    if (this.documented) {
      this.debug("a second JSON document was not printed: stdout is one document.");
      return;
    }
    this.documented = true;
    const masked = JSON.stringify(this.maskJson(JSON.parse(JSON.stringify(value) ?? "null")), null, 2);
    this.out(`${this.mask(masked)}\n`);
  }

  /** A JSON value with every string masked, object keys too. */
  private maskJson(value: unknown): unknown {
    if (typeof value === "string") return this.mask(value);
    if (Array.isArray(value)) return value.map((v) => this.maskJson(v));
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.mask(k), this.maskJson(v)]));
  }

  /**
   * With --json, the document of a run that gives no result of its step (a usage error, an error it could not
   * run past, a signal): `{ command, action, result: "error", error }`. Nothing without --json.
   */
  errorDocument(command: string, action: string | null, error: string): void {
    if (this.json) this.document({ command, action, result: "error", error });
  }

  /** Plain text on stdout (help). */
  print(text: string): void {
    this.out(text.endsWith("\n") ? text : `${text}\n`);
  }
}

const stripInline = (s: string): string =>
  s
    .replace(/<br\s*\/?>/gi, " ")
    .replace(/<[^>]+>/g, "")
    .replace(/\[([^\]]*)\]\(([^)]*)\)/g, "$1 ($2)")
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

function tableCells(row: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let code = false;
  const body = row.trim().replace(/^\|/, "").replace(/\|$/, "");
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === "\\" && body[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (c === "`") {
      code = !code;
      cell += c;
    } else if (c === "|" && !code) {
      cells.push(cell);
      cell = "";
    } else cell += c;
  }
  cells.push(cell);
  return cells.map((x) => stripInline(x.trim()));
}

/** A collapsed `<details>` block longer than this is folded on a terminal unless --verbose (GitHub shows it closed). */
export const FOLD_LINES = 12;

/** The index of the line closing the `<details>` opened at `start` (nested ones counted), else the last line. */
function detailsEnd(lines: string[], start: number): number {
  let open = 0;
  for (let i = start; i < lines.length; i++) {
    open += ((lines[i] as string).match(/<details\b/gi) ?? []).length;
    open -= ((lines[i] as string).match(/<\/details>/gi) ?? []).length;
    if (open <= 0) return i;
  }
  return lines.length - 1;
}

/**
 * The job summary's GitHub markdown as terminal text: headings, aligned
 * tables, plain inline text. With `fold`, a `<details>` block of more than
 * that many lines (table rows, else non-empty lines) is one line: its summary
 * and how much is not shown.
 */
export function markdownToText(
  markdown: string,
  paint: (s: Style, t: string) => string = (_s, t) => t,
  fold?: number,
): string {
  const lines = markdown.replace(/\r\n/g, "\n").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (fold !== undefined && /^\s*<details\b/i.test(line)) {
      const end = detailsEnd(lines, i);
      const body = lines.slice(i + 1, end).filter((l) => l.trim() !== "" && !/^\s*<\/?(details|summary)\b/i.test(l));
      const tableRows = body.filter((l) => /^\s*\|.*\|\s*$/.test(l) && !/^\s*\|[\s:|-]+\|\s*$/.test(l));
      const count = tableRows.length > 0 ? tableRows.length - 1 : body.length;
      if (count > fold) {
        const summary = stripInline(
          /<summary>(.*?)<\/summary>/i.exec(lines.slice(i, end + 1).join(" "))?.[1] ?? "Details",
        );
        out.push(`${summary} (${count} ${tableRows.length > 0 ? "rows" : "lines"} not shown; --verbose shows them)`);
        i = end;
        continue;
      }
    }
    if (/^\s*\|.*\|\s*$/.test(line) && /^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1] ?? "")) {
      const rows = [tableCells(line)];
      i += 2;
      while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i] as string)) rows.push(tableCells(lines[i++] as string));
      i--;
      const widths: number[] = [];
      for (const r of rows) {
        r.forEach((c, k) => {
          widths[k] = Math.max(widths[k] ?? 0, [...c].length);
        });
      }
      rows.forEach((r, n) => {
        const text = r
          .map((c, k) => c + " ".repeat((widths[k] ?? 0) - [...c].length))
          .join("  ")
          .trimEnd();
        out.push(n === 0 ? paint("bold", text) : text);
        if (n === 0) out.push(widths.map((w) => "-".repeat(w)).join("  "));
      });
      continue;
    }
    // GitHub's alerts (`> [!IMPORTANT]`) and quotes: a label, then the text indented.
    const alert = /^\s*>\s?\[!(\w+)\]\s*$/.exec(line);
    if (alert) {
      const word = (alert[1] as string).toLowerCase();
      out.push(paint("bold", `${word[0]?.toUpperCase()}${word.slice(1)}:`));
      continue;
    }
    const quote = /^\s*>\s?(.*)$/.exec(line);
    if (quote) {
      out.push(`  ${stripInline(quote[1] as string)}`);
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      out.push(paint("bold", stripInline(heading[1] as string)));
      continue;
    }
    if (/^\s*<\/?(details|summary)[^>]*>\s*$/i.test(line) || /^\s*<!--.*-->\s*$/.test(line)) continue;
    if (/^```/.test(line)) continue;
    out.push(stripInline(line.replace(/^(\s*)[-*] /, "$1• ")));
  }
  return out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
