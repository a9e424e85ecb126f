/**
 * Markdown for reports that GitHub renders (PR comments, job summaries).
 *
 * Everything that comes from a task definition, a policy or a secret id is
 * untrusted: a container named `<img src=x onerror=…>` or `](http://evil)` must
 * show up as those characters, not as markup, and a `@team` in a name must not
 * ping anyone. So untrusted text is entity-encoded character by character
 * (CommonMark treats entity references as literal text, never as syntax, and
 * GFM splits table cells only on a literal `|`), and values are wrapped in
 * `<code>` (GitHub does not turn `@name` inside code into a mention).
 */

/** GitHub rejects issue comments longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** The runner refuses step summaries larger than 1 MiB. */
export const JOB_SUMMARY_LIMIT = 1_000_000;

// ASCII punctuation (every character markdown or HTML could treat as syntax).
const PUNCTUATION = /[!-/:-@[-`{-~]/g;
// C0/C1 controls and the bidirectional overrides used in "trojan source" tricks.
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Entity-encodes untrusted text for inline use (a table cell, a sentence). Newlines become spaces. */
export function escapeText(text: string, maxLength = 300): string {
  let s = String(text)
    .replace(/\r?\n|\r/g, " ")
    .replace(INVISIBLE, "\ufffd");
  if (s.length > maxLength) s = `${s.slice(0, maxLength - 1)}…`;
  return s.replace(PUNCTUATION, (c) => `&#${c.charCodeAt(0)};`);
}

/** An untrusted value shown as inline code: inert, no mentions, safe inside a table cell. */
export function code(text: string, maxLength = 300): string {
  if (text === "") return "";
  return `<code>${escapeText(text, maxLength)}</code>`;
}

/**
 * A GFM table. Cells are trusted markdown: build them with `code()` /
 * `escapeText()` for anything untrusted. A literal `|` or newline in a cell is
 * neutralised anyway so one bad cell cannot shift the columns.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (c: string) => c.replace(/\r?\n/g, " ").replace(/\|/g, "&#124;");
  const lines = [
    `| ${headers.map(cell).join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
  return lines.join("\n");
}

/**
 * Cuts markdown to at most `limit` characters at a line boundary, closing an
 * open code fence and `<details>` blocks, and appends `note` (which the
 * caller uses to point at the complete report). Returns the text unchanged
 * when it fits.
 */
export function truncateMarkdown(markdown: string, limit: number, note: string): { text: string; truncated: boolean } {
  if (markdown.length <= limit) return { text: markdown, truncated: false };
  const tail = `\n\n${note}\n`;
  // Room for the note, a closing fence and a few closing </details> tags.
  const budget = limit - tail.length - 64;
  if (budget <= 0) throw new Error(`limit ${limit} is too small for the truncation note`);
  const lines = markdown.split("\n");
  const kept: string[] = [];
  let used = 0;
  let inFence = false;
  let openDetails = 0;
  for (const line of lines) {
    if (used + line.length + 1 > budget) break;
    kept.push(line);
    used += line.length + 1;
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (!inFence) {
      openDetails += (line.match(/<details\b/gi) ?? []).length;
      openDetails -= (line.match(/<\/details>/gi) ?? []).length;
    }
  }
  let text = kept.join("\n");
  if (inFence) text += "\n```";
  for (let i = 0; i < Math.min(openDetails, 8); i++) text += "\n\n</details>";
  return { text: `${text}${tail}`, truncated: true };
}
