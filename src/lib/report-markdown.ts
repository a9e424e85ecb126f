/**
 * Markdown for reports that GitHub renders (PR comments, job summaries).
 *
 * Everything that comes from a task definition, a policy, a secret id or an
 * error message is untrusted: a container named `<img src=x onerror=…>` or
 * `](http://evil)` must show up as those characters, not as markup, and a
 * `@team`, `#123`, a commit-like hex string or a URL in a name must not ping,
 * reference or link anything. Reviewers also read these comments raw, in
 * e-mail notifications and through the API, so the escaping must stay
 * readable Markdown rather than HTML entities.
 *
 * Both needs are met by code spans: CommonMark shows a code span's content
 * literally (no emphasis, links, HTML or entities), GFM does not autolink
 * inside code, and GitHub does not turn @mentions, #references or SHAs inside
 * code into links. `code()` wraps a value in a span whose backtick fence is
 * one longer than the longest backtick run inside
 * (https://spec.commonmark.org/0.31.2/#code-spans); `escapeText()` leaves
 * plain words as they are and puts every token that could be markup, a
 * mention, a reference or an autolink into such a span.
 */

/** GitHub rejects issue comments longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

// C0/C1 controls and the bidirectional overrides used in "trojan source" tricks.
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

function clean(text: string, maxLength: number): string {
  let s = String(text)
    .replace(/\r\n|\r|\n|\t/g, " ")
    .replace(INVISIBLE, "\ufffd");
  if (s.length > maxLength) s = `${s.slice(0, Math.max(0, maxLength - 1))}…`;
  return s;
}

/** `s` as one inline code span (no cleaning, no cut). */
function span(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  // A span that starts or ends with a backtick needs a space against the fence; one that
  // starts and ends with a space loses one on each side, so it gets one more.
  const pad = /^[` ]|[` ]$/.test(s) && !/^ +$/.test(s) ? " " : "";
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** An untrusted value as inline code: literal, never a mention, a reference or a link. */
export function code(text: string, maxLength = 300): string {
  const s = clean(text, maxLength);
  if (s === "") return "";
  return span(s);
}

// Characters that can start Markdown or HTML syntax, an entity, a mention (@), a reference
// (#, /), an autolink (:, @), math ($) or a table cell (|). A token holding one becomes a code span.
const SYNTAX = /[`*_[\]<>|~&\\@#/:=${}]/;
// Tokens GitHub would link without any syntax character: commit SHAs (7+ hex digits with a
// letter or a digit run GitHub treats as one), `www.` autolinks, GH-123 references.
const LINKABLE = /^(?:[0-9a-f]{7,40}|www\..*|gh-\d+)$/i;
// A bare run of list or thematic-break characters could restructure the line it starts.
const STRUCTURAL = /^(?:[-+]+|\d+[.)])$/;

/**
 * Untrusted text for inline use (a table cell, a sentence): plain words stay as they are,
 * every token that could be markup, a mention, a reference or an autolink becomes a code
 * span. Newlines become spaces.
 */
export function escapeText(text: string, maxLength = 300): string {
  const tokens = clean(text, maxLength)
    .split(" ")
    .map((token) => {
      if (STRUCTURAL.test(token)) return { lead: "", core: token, trail: "", risky: true };
      // Sentence punctuation around a token stays outside its span ("(see `arn:aws:…`)."):
      // alone, none of these characters is syntax.
      const [, lead = "", core = "", trail = ""] = /^([("']*)(.*?)([)"'.,;:!?]*)$/s.exec(token) ?? [];
      return { lead, core, trail, risky: SYNTAX.test(core) || LINKABLE.test(core) };
    });
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const first = tokens[i] as (typeof tokens)[number];
    if (!first.risky) {
      out.push(`${first.lead}${first.core}${first.trail}`);
      continue;
    }
    // Risky tokens in a row share one span: `web<img src=x>` rather than `web<img` `src=x>`.
    const cores = [first.core];
    let last = first;
    while (last.trail === "" && tokens[i + 1]?.risky && tokens[i + 1]?.lead === "") {
      last = tokens[++i] as (typeof tokens)[number];
      cores.push(last.core);
    }
    out.push(`${first.lead}${span(cores.join(" "))}${last.trail}`);
  }
  return out.join(" ");
}

/** Trusted markdown as one table cell: newlines become spaces, `|` is escaped (see `table`). */
export function tableCell(markdown: string): string {
  return markdown.replace(/\r?\n|\r/g, " ").replace(/(\\*)\|/g, (_, bs: string) => `${bs}${bs}\\|`);
}

/**
 * A GFM table. Cells are trusted markdown: build them with `code()` /
 * `escapeText()` for anything untrusted. Every `|` is escaped as `\|`, which
 * GFM reads as a literal pipe even inside a code span
 * (https://github.github.com/gfm/#example-200), and backslashes right before it
 * are doubled so that `\|` in a value cannot turn the escape off; newlines
 * become spaces. One bad cell cannot shift the columns.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [
    `| ${headers.map(tableCell).join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(tableCell).join(" | ")} |`),
  ];
  return lines.join("\n");
}

/**
 * Cuts markdown to at most `limit` (as `measure` counts: UTF-16 code units by
 * default, UTF-8 bytes for a job summary) at a line boundary, so that no
 * character and no table row is ever cut in half; closes an open code fence
 * and `<details>` blocks, drops a table header left without its delimiter row,
 * and appends `note` (which the caller uses to point at the complete report).
 * Returns the text unchanged when it fits.
 */
export function truncateMarkdown(
  markdown: string,
  limit: number,
  note: string,
  measure: (s: string) => number = (s) => s.length,
): { text: string; truncated: boolean } {
  if (measure(markdown) <= limit) return { text: markdown, truncated: false };
  const tail = `\n\n${note}\n`;
  // Room for the note, a closing fence and up to 8 closing </details> tags.
  const budget = limit - measure(tail) - measure(`\n\`\`\`${"\n\n</details>".repeat(8)}`);
  if (budget <= 0) throw new Error(`limit ${limit} is too small for the truncation note`);
  const lines = markdown.split("\n");
  const kept: string[] = [];
  let used = 0;
  let inFence = false;
  let openDetails = 0;
  for (const line of lines) {
    const size = measure(line) + 1;
    if (used + size > budget) break;
    kept.push(line);
    used += size;
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (!inFence) {
      openDetails += (line.match(/<details\b/gi) ?? []).length;
      openDetails -= (line.match(/<\/details>/gi) ?? []).length;
    }
  }
  // A table's header row without the delimiter row after it is no table: drop it.
  if (
    !inFence &&
    /^\s*\|/.test(kept.at(-1) ?? "") &&
    !/^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(kept.at(-1) ?? "")
  ) {
    const before = kept.at(-2);
    if (before === undefined || !/^\s*\|/.test(before)) kept.pop();
  }
  let text = kept.join("\n");
  if (inFence) text += "\n```";
  for (let i = 0; i < Math.min(openDetails, 8); i++) text += "\n\n</details>";
  return { text: `${text}${tail}`, truncated: true };
}
