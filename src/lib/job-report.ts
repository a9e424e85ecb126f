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
 */
import * as core from "@actions/core";
import { type InputSource, readBoolean } from "./inputs";
import { maskAccountIdsForReport } from "./masking";

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

/** Appends to the job summary; false (nothing written) when the runner gave no summary file. */
export async function writeSummary(markdown: string, addEol = false): Promise<boolean> {
  if (!process.env.GITHUB_STEP_SUMMARY) return false;
  await core.summary.addRaw(forReport(markdown), addEol).write();
  return true;
}

const WRITERS = { error: core.error, warning: core.warning, notice: core.notice } as const;
export type AnnotationLevel = keyof typeof WRITERS;

/** An annotation (`::error file=…,line=…,title=…::message`). */
export function annotate(level: AnnotationLevel, message: string, props: core.AnnotationProperties = {}): void {
  const masked = props.title !== undefined ? { ...props, title: forReport(props.title) } : props;
  WRITERS[level](forReport(message), masked);
}

/** Fails the step with an error annotation. */
export function failStep(message: string): void {
  core.setFailed(forReport(message));
}
