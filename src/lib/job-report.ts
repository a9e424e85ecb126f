/**
 * The one way anything reaches the places people other than the job's own
 * log readers see: the job summary, annotations (`::error::`, `::warning::`,
 * `::notice::`, the step's failure) and the pull request comment
 * (`pr-comment.ts` passes the body through `forReport`). A job summary is
 * shown to everyone who can read the run, before evidence-mask has run;
 * annotations show on the pull request.
 *
 * Account IDs are masked here, as evidence-mask writes them (`************`),
 * unless the step's `mask-account-ids` input is `false` (a private repository
 * where copy-pastable ARNs matter more). Outputs are not masked: later steps
 * need the real ARNs. Nothing in `src/` writes a summary, an annotation or a
 * comment any other way (test/security/report-seam.test.ts checks it).
 *
 * The functions that write to the runner (`configureJobReport`,
 * `writeSummary`, `annotate`, `failStep`) are the seam's own: only
 * run-action.ts calls them, and everything else (pr-comment.ts included)
 * writes through the `ActionDeps` it hands out. `forReport` (for the comment
 * body) and `fitSummary` (for other seams) may be used anywhere.
 */
import { statSync } from "node:fs";
import type { AnnotationProperties } from "@actions/core";
import { type InputSource, readBoolean } from "./inputs";
import { maskAccountIdsForReport } from "./masking";
import { truncateMarkdown } from "./report-markdown";

// A dynamic import, awaited before this module's exports are used (as run-action.ts does): the bundler makes
// @actions/core, and the HTTP client it loads (undici, about 1 MB of source), a chunk of its own, which V8 parses
// after the bundle's start-up script instead of together with it (see README, "start-up floor").
const core = await import(/* webpackChunkName: "actions-core" */ "@actions/core");

export const MASK_ACCOUNT_IDS_INPUT = "mask-account-ids";

let maskAccountIds = true;
/** Account IDs named (in an ARN, after `Account` …) in anything written so far: masked wherever they appear next. */
const knownAccountIds = new Set<string>();

/**
 * Reads `mask-account-ids` (strict true/false, default true). A bad value
 * throws the input error; masking stays on meanwhile, so the error itself
 * and anything after it are masked.
 */
export function configureJobReport(get: InputSource): void {
  maskAccountIds = true;
  maskAccountIds = readBoolean(
    get,
    MASK_ACCOUNT_IDS_INPUT,
    true,
    "Leave it out (account IDs are masked), or set false in a private repository to show full ARNs in summaries, annotations and comments.",
  );
}

/** Text as it may be shown in a summary, an annotation or a comment. */
export function forReport(text: string): string {
  return maskAccountIds ? maskAccountIdsForReport(text, knownAccountIds) : text;
}

/**
 * The runner refuses a step summary file larger than 1 MiB ("$GITHUB_STEP_SUMMARY
 * upload aborted, supports content up to a size of 1024k") and then shows none
 * of it; the size is the file's, in bytes, across every write of the step.
 */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;

const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8");

/**
 * `markdown` cut to at most `room` UTF-8 bytes (see truncateMarkdown: whole
 * lines, so never part of a character or of a table row; open fences and
 * `<details>` closed) with a note saying it was cut; "" when even the note does
 * not fit.
 */
export function fitSummary(markdown: string, room: number, hint = ""): { text: string; truncated: boolean } {
  if (utf8Bytes(markdown) <= room) return { text: markdown, truncated: false };
  const note = `> [!NOTE]\n> This summary was cut to fit the runner's 1 MiB step summary limit.${hint ? ` ${hint}` : ""}`;
  try {
    return truncateMarkdown(markdown, room, note, utf8Bytes);
  } catch {
    return { text: "", truncated: true };
  }
}

/**
 * Appends to the job summary, cut (and saying so) where the step's summary
 * would pass 1 MiB; false (nothing written) when the runner gave no summary
 * file. `hint` tells the reader where the complete report is.
 */
export async function writeSummary(markdown: string, hint = ""): Promise<boolean> {
  const path = process.env.GITHUB_STEP_SUMMARY;
  if (!path) return false;
  let used = 0;
  try {
    used = statSync(path).size;
  } catch {
    // Not created yet: the first write creates it.
  }
  const { text } = fitSummary(forReport(markdown), STEP_SUMMARY_LIMIT_BYTES - used, hint);
  if (text === "") return false;
  await core.summary.addRaw(text).write();
  return true;
}

const WRITERS = { error: core.error, warning: core.warning, notice: core.notice } as const;
export type AnnotationLevel = keyof typeof WRITERS;

/** An annotation (`::error file=…,line=…,title=…::message`). */
export function annotate(level: AnnotationLevel, message: string, props: AnnotationProperties = {}): void {
  const masked = props.title !== undefined ? { ...props, title: forReport(props.title) } : props;
  WRITERS[level](forReport(message), masked);
}

/** Fails the step with an error annotation. */
export function failStep(message: string): void {
  core.setFailed(forReport(message));
}
