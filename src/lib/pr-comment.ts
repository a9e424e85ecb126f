/**
 * Reporting on the pull request, shared by the preflight actions.
 *
 * The one call an action needs is `publishReport()`:
 *
 *   const outcome = await publishReport({
 *     action: "secrets-rds-drift",      // part of the hidden marker
 *     key: secretId,                    // one sticky comment per action and key
 *     markdown,                         // the complete report; untrusted text escaped with report-markdown.ts
 *     comment: inputs.comment,          // the action's `comment` input
 *     token: inputs.githubToken,        // the action's `github-token` input
 *     prNumber: inputs.prNumber,        // optional override of the event's PR number
 *     summary: deps.summary,            // the seam's job summary (run-action.ts)
 *     log: deps.log,                    // the seam's log: warnings are annotations
 *   });
 *
 * It always writes the job summary (through the seam's `summary`; its
 * warnings go through the seam's `log`, never to the runner directly); then, when `comment` is true and the
 * event is a pull request, it updates the comment carrying the marker
 * `<!-- ecs-alb-smoke:<action>:<key> -->` (searched across every page of the
 * PR's comments) or creates it. Only a comment written by the token's own
 * identity is adopted: anyone can post a comment that starts with the marker,
 * and adopting it would hand the real report to a comment its author can edit
 * back to ✅ (or block the report with a 403). Such comments are ignored, and
 * the job summary and a warning say so. It never throws because of GitHub: a fork PR,
 * a token without `pull-requests: write`, or no PR at all give a warning and
 * `outcome.comment` says what happened; the step's result is the caller's.
 */
import { readFileSync } from "node:fs";
import { getOctokit } from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck/light.js";
import { errorMessage } from "./errors";
import { forReport } from "./job-report";
import { code, GITHUB_COMMENT_LIMIT, truncateMarkdown } from "./report-markdown";
import type { Log, SummaryWriter } from "./run-action";
import { pullRequestsOfHead, type WorkflowRunHead, workflowRunHead } from "./workflow-run-pr";

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

export type CommentOutcome = "created" | "updated" | "disabled" | "no-pull-request" | "not-permitted" | "failed";

export interface PublishOptions {
  /** The action's name, e.g. `iam-simulate-preflight`. */
  action: string;
  /** What the report is about (task definition family, secret id): one comment per action and key. */
  key: string;
  /** The complete report. Untrusted text must already be escaped (`code()`, `escapeText()`). */
  markdown: string;
  /** The action's `comment` input. */
  comment: boolean;
  /** The action's `github-token` input. */
  token: string;
  /** Overrides the PR number of the event (the action's `pr-number` input). */
  prNumber?: number | undefined;
  /** Defaults to process.env (GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, ...). */
  env?: NodeJS.ProcessEnv;
  /** Base of the GitHub client's retry and rate-limit waits (default 1000 ms; tests make it 0). */
  retryAfterBaseMs?: number;
  /** Unit of the spacing of writes: 1 between updates, 3 between new comments (default 1000 ms, plugin-throttling's; tests make it 0). */
  writeSpacingMs?: number;
  /** The step's job summary (the seam's): the report, and a warning about forged comments. */
  summary: SummaryWriter;
  /** The step's log (the seam's): where the comment went, and warnings (annotations) when there is none. */
  log: PublishLog;
}

/** What the PR-comment path logs: where the comment went, and warnings. */
export type PublishLog = Pick<Log, "info" | "warning">;

export interface PublishOutcome {
  comment: CommentOutcome;
  commentUrl?: string;
  /** Why there is no comment (for logs and the report). */
  detail?: string;
  /** The comment body was cut to fit GitHub's limit. */
  commentTruncated: boolean;
  summaryWritten: boolean;
  /** Comments by other authors that carry this report's marker: never adopted. */
  impostors?: ForeignComment[];
}

/** Who the token acts as (GitHub's user id is what comment authors are compared by: logins can be renamed). */
export interface TokenIdentity {
  login: string;
  id: number;
}

/** A comment that carries the marker but was written by someone other than the token's identity. */
export interface ForeignComment {
  id: number;
  author: string;
  url: string;
}

/** The hidden line that identifies an action's sticky comment. */
export function commentMarker(action: string, key: string): string {
  // `-->` or a newline in a key would end the HTML comment early.
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._/:@+=-]/g, "_");
  return `<!-- ecs-alb-smoke:${safe(action)}:${safe(key)} -->`;
}

/** The pull request of the running event (`pull_request.number`, else `issue.number`), or the override. */
export function pullRequestFromEvent(
  env: NodeJS.ProcessEnv = process.env,
  override?: number,
): PullRequestRef | undefined {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
  if (!owner || !repo) return undefined;
  if (override !== undefined) return { owner, repo, number: override };
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return undefined;
  let payload: { pull_request?: { number?: unknown }; issue?: { number?: unknown } };
  try {
    payload = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
  const number = payload?.pull_request?.number ?? payload?.issue?.number;
  return typeof number === "number" && Number.isInteger(number) && number > 0 ? { owner, repo, number } : undefined;
}

/** The run's page: the truncation note and warnings point there. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string {
  const server = env.GITHUB_SERVER_URL ?? "https://github.com";
  const attempt = env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : "";
  return `${server}/${env.GITHUB_REPOSITORY ?? ""}/actions/runs/${env.GITHUB_RUN_ID ?? ""}${attempt}`;
}

/** The comment body: marker first (that is how it is found again), cut below GitHub's limit. */
export function commentBody(
  marker: string,
  markdown: string,
  env: NodeJS.ProcessEnv = process.env,
): { body: string; truncated: boolean } {
  const note = `> [!NOTE]\n> This report was cut to fit GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString("en-US")}-character comment limit. The complete report is in the [job summary of this run](${runUrl(env)}).`;
  // A margin below the hard limit: GitHub counts some characters differently than UTF-16 length.
  const { text, truncated } = truncateMarkdown(markdown, GITHUB_COMMENT_LIMIT - marker.length - 1 - 512, note);
  return { body: `${marker}\n${text}`, truncated };
}

class CommentNotPermitted extends Error {}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

function apiMessage(error: unknown): string {
  const status = httpStatus(error);
  const data = (error as { response?: { data?: { message?: unknown } } }).response?.data;
  const message = typeof data?.message === "string" ? data.message : errorMessage(error);
  return status ? `HTTP ${status}: ${message}` : message;
}

/**
 * Runs a GitHub call (the client retries it, see githubClient) and names what
 * failed: CommentNotPermitted on 401/403/404, an Error with GitHub's message otherwise.
 */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const s = httpStatus(error);
    if (s === 401 || s === 403 || s === 404) throw new CommentNotPermitted(apiMessage(error));
    throw new Error(apiMessage(error));
  }
}

/** Rate-limit retries the throttling plugin makes per request, when GitHub asks to wait at most MAX_RATE_WAIT_S. */
const RATE_LIMIT_RETRIES = 2;
const MAX_RATE_WAIT_S = 60;
/** plugin-retry's and plugin-throttling's `retryAfterBaseValue`, and plugin-throttling's spacing of writes. */
const GITHUB_WAIT_MS = 1_000;

/** How long the GitHub client waits: the plugins' own defaults unless a test shortens them. */
export interface GitHubWaits {
  retryAfterBaseMs: number;
  writeSpacingMs: number;
}

/**
 * The client's waits. Production uses the plugins' defaults (1 s). Tests
 * shorten them: in process through the options, and for a spawned bundle
 * through ECS_ALB_SMOKE_GITHUB_WAIT_MS (test-only, like ECS_ALB_SMOKE_RETRY_BASE_MS).
 * Neither can lengthen a wait past the default or turn a retry off: the
 * number of retries stays, only the time between them shrinks.
 */
export function githubWaits(
  opts: { retryAfterBaseMs?: number | undefined; writeSpacingMs?: number | undefined } = {},
  env: NodeJS.ProcessEnv = process.env,
): GitHubWaits {
  const fromEnv = env.ECS_ALB_SMOKE_GITHUB_WAIT_MS?.trim() ? Number(env.ECS_ALB_SMOKE_GITHUB_WAIT_MS) : undefined;
  const pick = (given: number | undefined) => {
    const ms = given ?? fromEnv;
    return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? Math.min(ms, GITHUB_WAIT_MS) : GITHUB_WAIT_MS;
  };
  return { retryAfterBaseMs: pick(opts.retryAfterBaseMs), writeSpacingMs: pick(opts.writeSpacingMs) };
}

/**
 * The one place the GitHub API client is built, with Octokit's own retry and
 * throttling plugins (the ones octokit.js ships with): server errors and
 * network failures are retried by @octokit/plugin-retry (3 retries, waiting
 * 1 s, 4 s, 9 s: `retryAfterBaseMs` times the square of the retry); primary
 * and secondary rate limits by @octokit/plugin-throttling, which also spaces
 * writes as GitHub's best practices ask (1 s apart, 3 s when they notify), waiting as long as GitHub's
 * `retry-after` or reset says (up to a minute, twice). 429 is left to the
 * throttling plugin so that the two never retry the same answer. With a
 * shorter `writeSpacingMs` (tests) the client gets its own limiters, spaced
 * in that unit (plugin-throttling's `write` and `notifications` options,
 * Bottleneck groups like its defaults).
 */
function githubClient(token: string, apiUrl: string, waits: GitHubWaits, log: PublishLog) {
  const onLimit =
    (kind: string) =>
    (retryAfter: number, options: { method?: string; url?: string }, _o: unknown, retryCount: number) => {
      const retrying = retryCount < RATE_LIMIT_RETRIES && retryAfter <= MAX_RATE_WAIT_S;
      log.warning(
        `GitHub ${kind} on ${options.method ?? ""} ${options.url ?? ""}: ${retrying ? `retrying in ${retryAfter}s` : "giving up"}.`,
      );
      return retrying;
    };
  // plugin-throttling's own groups space writes 1 s apart and writes that notify (a new comment) 3 s apart.
  const spaced = (minTime: number) => new Bottleneck.Group({ maxConcurrent: 1, minTime });
  const spacing =
    waits.writeSpacingMs < GITHUB_WAIT_MS
      ? { write: spaced(waits.writeSpacingMs), notifications: spaced(3 * waits.writeSpacingMs) }
      : {};
  return getOctokit(
    token,
    {
      baseUrl: apiUrl.replace(/\/+$/, ""),
      retry: {
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
        retries: 3,
        retryAfterBaseValue: waits.retryAfterBaseMs,
      },
      throttle: {
        onRateLimit: onLimit("rate limit"),
        onSecondaryRateLimit: onLimit("secondary rate limit"),
        retryAfterBaseValue: waits.retryAfterBaseMs,
        ...spacing,
      },
    },
    retry,
    throttling,
  );
}
type GitHubClient = ReturnType<typeof githubClient>;

/**
 * Asks GitHub who the token is. The GraphQL `viewer` answers for every kind of
 * token: a user's (classic or fine-grained), a GitHub App installation's and
 * the workflow's GITHUB_TOKEN (`github-actions[bot]`). REST has no single
 * endpoint for that: `GET /user` answers 403 "Resource not accessible by
 * integration" for installation tokens, and `GET /app` needs the app's JWT
 * (https://docs.github.com/en/rest/apps/apps#get-the-authenticated-app), so
 * `GET /user` is only the fallback for a GitHub Enterprise Server whose
 * GraphQL endpoint is unreachable. undefined when neither answers.
 */
export async function tokenIdentity(
  octokit: GitHubClient,
  call: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
): Promise<TokenIdentity | undefined> {
  try {
    const data = await call(() =>
      octokit.graphql<{ viewer?: { login?: unknown; databaseId?: unknown } }>("query { viewer { login databaseId } }"),
    );
    const { login, databaseId } = data.viewer ?? {};
    if (typeof login === "string" && typeof databaseId === "number") return { login, id: databaseId };
  } catch {
    // Fall through to REST.
  }
  try {
    const { data } = await call(() => octokit.rest.users.getAuthenticated());
    return { login: data.login, id: data.id };
  } catch {
    return undefined;
  }
}

/**
 * Creates or updates the comment carrying `marker`, adopting only one written
 * by the token's own identity. Throws CommentNotPermitted on 401/403/404 (fork
 * PRs, read-only tokens, private repos the token cannot see); other errors as
 * they come.
 */
export async function upsertStickyComment(opts: {
  token: string;
  pr: PullRequestRef;
  marker: string;
  body: string;
  apiUrl: string;
  /** Default: the plugins' own waits (githubWaits()). */
  waits?: GitHubWaits;
  /** Where the client's rate-limit warnings go. */
  log: PublishLog;
}): Promise<{
  outcome: "created" | "updated";
  id: number;
  url: string;
  identity: TokenIdentity | undefined;
  impostors: ForeignComment[];
}> {
  const octokit = githubClient(opts.token, opts.apiUrl, opts.waits ?? githubWaits(), opts.log);
  const { owner, repo, number } = opts.pr;
  // The body as people may see it (account IDs masked unless mask-account-ids is false); then the
  // marker the same way, so the comment written is found again by it.
  const body = forReport(opts.body);
  const marker = forReport(opts.marker);

  const identity = await tokenIdentity(octokit, call);
  const impostors: ForeignComment[] = [];
  const existing = await call(async () => {
    impostors.length = 0;
    // Every page: on a busy PR the sticky comment can be far from the first 100.
    for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: number,
      per_page: 100,
    })) {
      for (const c of page.data) {
        if (!(c.body ?? "").startsWith(marker)) continue;
        // Unknown identity: adopt nothing, so a forged comment can never receive the report.
        if (identity && c.user?.id === identity.id) return c;
        impostors.push({ id: c.id, author: c.user?.login ?? "(deleted user)", url: c.html_url });
      }
    }
    return undefined;
  });
  if (existing) {
    const { data } = await call(() =>
      octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body }),
    );
    return { outcome: "updated", id: data.id, url: data.html_url, identity, impostors };
  }
  const { data } = await call(() => octokit.rest.issues.createComment({ owner, repo, issue_number: number, body }));
  return { outcome: "created", id: data.id, url: data.html_url, identity, impostors };
}

/** What the summary and the log say about marker comments by other authors. */
function impostorNotice(impostors: ForeignComment[], identity: TokenIdentity | undefined, ours: string): string {
  const who = identity
    ? `the token's identity ${code(identity.login)}`
    : "the token's identity (GitHub did not say who it is)";
  const list = impostors.map((c) => `[comment ${c.id}](${c.url}) by ${code(c.author)}`).join(", ");
  return `${impostors.length === 1 ? "A comment" : `${impostors.length} comments`} on this pull request carry this report's marker but were not written by ${who}: ${list}. They were ignored and may be forged; the real report is ${ours}.`;
}

/**
 * Writes `markdown` and a newline to the job summary through the seam (which
 * masks it and cuts it below the runner's 1 MiB limit); false when nothing was
 * written (no summary file), and a warning instead of an error when the write fails.
 */
export async function writeJobSummary(
  seam: { summary: SummaryWriter; log: Pick<Log, "warning"> },
  markdown: string,
  fullReportHint = "",
): Promise<boolean> {
  try {
    return await seam.summary.write(`${markdown}\n`, { hint: fullReportHint });
  } catch (error) {
    seam.log.warning(`Could not write the job summary: ${errorMessage(error)}`);
    return false;
  }
}

/** The PR a workflow_run event is about, from GitHub (never from the triggering run's artifact). */
async function pullRequestOfRun(
  env: NodeJS.ProcessEnv,
  opts: PublishOptions,
  head: WorkflowRunHead,
): Promise<{ pr: PullRequestRef | undefined } | { outcome: CommentOutcome; detail: string }> {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
  if (!owner || !repo) return { pr: undefined };
  const what = `${head.repository}@${head.sha} (branch ${JSON.stringify(head.branch)}, run ${head.runId})`;
  try {
    const octokit = githubClient(
      opts.token,
      env.GITHUB_API_URL || "https://api.github.com",
      githubWaits(opts, env),
      opts.log,
    );
    const numbers = await pullRequestsOfHead(octokit, { owner, repo }, head, call);
    if (numbers.length === 1) {
      opts.log.info(`The workflow_run is about pull request #${numbers[0]}: its head is ${what}.`);
      return { pr: { owner, repo, number: numbers[0] as number } };
    }
    const detail =
      numbers.length === 0
        ? `no open pull request of ${owner}/${repo} has the head ${what}; it was closed or has newer commits, so this report would be about an old commit`
        : `${numbers.length} open pull requests (${numbers.map((n) => `#${n}`).join(", ")}) have the head ${what}; not guessing which`;
    opts.log.warning(`No pull request comment: ${detail}. The report is in the job summary.`);
    return { outcome: "no-pull-request", detail };
  } catch (error) {
    const detail = `could not list the pull requests of ${owner}/${repo} to find the one whose head is ${what}: ${errorMessage(error)}`;
    opts.log.warning(
      `No pull request comment: ${detail}. Give the job 'pull-requests: read' (or write). The report is in the job summary.`,
    );
    return { outcome: error instanceof CommentNotPermitted ? "not-permitted" : "failed", detail };
  }
}

/** Job summary always; the sticky PR comment when asked and possible. Never throws because of GitHub. */
export async function publishReport(opts: PublishOptions): Promise<PublishOutcome> {
  const env = opts.env ?? process.env;
  const summaryWritten = await writeJobSummary(opts, opts.markdown, "The complete report is in the evidence file.");
  const result = (comment: CommentOutcome, detail?: string, extra: Partial<PublishOutcome> = {}): PublishOutcome => ({
    comment,
    commentTruncated: false,
    summaryWritten,
    ...(detail ? { detail } : {}),
    ...extra,
  });

  if (!opts.comment) return result("disabled", "comment is false");
  const runHead = opts.prNumber === undefined ? workflowRunHead(env) : undefined;
  if (opts.token.trim() === "" && runHead) {
    opts.log.warning("No pull request comment: github-token is empty. The report is in the job summary.");
    return result("not-permitted", "github-token is empty");
  }
  const found = runHead ? await pullRequestOfRun(env, opts, runHead) : { pr: pullRequestFromEvent(env, opts.prNumber) };
  if ("outcome" in found) return result(found.outcome, found.detail);
  const { pr } = found;
  if (!pr) {
    const detail = `the ${env.GITHUB_EVENT_NAME ?? "current"} event has no pull request number`;
    opts.log.warning(
      `No pull request comment: ${detail}. The report is in the job summary. Run on 'pull_request' or set 'pr-number'.`,
    );
    return result("no-pull-request", detail);
  }
  if (opts.token.trim() === "") {
    const detail = "github-token is empty";
    opts.log.warning(`No pull request comment on #${pr.number}: ${detail}. The report is in the job summary.`);
    return result("not-permitted", detail);
  }

  const marker = commentMarker(opts.action, opts.key);
  const { body, truncated } = commentBody(marker, opts.markdown, env);
  try {
    const done = await upsertStickyComment({
      token: opts.token,
      pr,
      marker,
      body,
      apiUrl: env.GITHUB_API_URL || "https://api.github.com",
      waits: githubWaits(opts, env),
      log: opts.log,
    });
    opts.log.info(
      `${done.outcome === "created" ? "Created" : "Updated"} the report comment on #${pr.number}: ${done.url}`,
    );
    if (!done.identity) {
      opts.log.warning(
        `GitHub did not say who the github-token belongs to (GraphQL viewer and GET /user both failed), so no earlier report comment on #${pr.number} was reused and a new one was posted: ${done.url}.`,
      );
    }
    if (done.impostors.length > 0) {
      const notice = impostorNotice(done.impostors, done.identity, `[this comment](${done.url})`);
      opts.log.warning(notice);
      await writeJobSummary(opts, `\n> [!WARNING]\n> ${notice}\n`);
    }
    return result(done.outcome, undefined, {
      commentUrl: done.url,
      commentTruncated: truncated,
      ...(done.impostors.length > 0 ? { impostors: done.impostors } : {}),
    });
  } catch (error) {
    if (error instanceof CommentNotPermitted) {
      opts.log.warning(
        `Could not comment on pull request #${pr.number} (${error.message}). This is expected for pull requests from forks and for a token without 'pull-requests: write'; the report is in the job summary. To get the comment, give the job 'permissions: pull-requests: write'.`,
      );
      return result("not-permitted", error.message);
    }
    opts.log.warning(
      `Could not comment on pull request #${pr.number}: ${errorMessage(error)}. The report is in the job summary.`,
    );
    return result("failed", errorMessage(error));
  }
}
