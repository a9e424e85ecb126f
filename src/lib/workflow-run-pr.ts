/**
 * Which pull request a `workflow_run` event is about, asked of GitHub rather
 * than read from anything the triggering run produced.
 *
 * The fork-safe pattern runs the privileged half on `workflow_run` after an
 * unprivileged `pull_request` run. Everything that run uploaded is the fork's
 * to write, a PR number included: taken from the artifact, it lets a fork
 * overwrite the report on any other PR. The event itself is GitHub's: its
 * `workflow_run.head_repository` and `head_sha` say which commit ran. Its
 * `pull_requests` list is empty for pull requests from forks, so the PR is the
 * open one of the base repository whose head is that repository and exactly
 * that commit (GET /repos/{owner}/{repo}/pulls filtered by `head=owner:branch`,
 * https://docs.github.com/en/rest/pulls/pulls#list-pull-requests). None when
 * the PR has moved on to a newer commit or was closed: a report about an old
 * commit is not posted.
 */
import { readFileSync } from "node:fs";
import type { getOctokit } from "@actions/github";

export interface WorkflowRunHead {
  /** `owner/name` of the repository the triggering run's commit is in (the fork). */
  repository: string;
  sha: string;
  branch: string;
  /** The event of the triggering run (`pull_request` for the collect half). */
  event: string;
  runId: number;
}

/** The triggering run's head, when the running event is `workflow_run`. */
export function workflowRunHead(env: NodeJS.ProcessEnv = process.env): WorkflowRunHead | undefined {
  if (env.GITHUB_EVENT_NAME !== "workflow_run" || !env.GITHUB_EVENT_PATH) return undefined;
  let run: Record<string, unknown> | undefined;
  try {
    run = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, "utf8"))?.workflow_run;
  } catch {
    return undefined;
  }
  const repository = (run?.head_repository as { full_name?: unknown } | undefined)?.full_name;
  const { head_sha: sha, head_branch: branch, event, id } = run ?? {};
  if (typeof repository !== "string" || typeof sha !== "string" || typeof branch !== "string") return undefined;
  return { repository, sha, branch, event: typeof event === "string" ? event : "", runId: Number(id) };
}

type Octokit = ReturnType<typeof getOctokit>;

/** Numbers of the base repository's open pull requests whose head is exactly `head`. */
export async function pullRequestsOfHead(
  octokit: Octokit,
  base: { owner: string; repo: string },
  head: WorkflowRunHead,
  call: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<number[]> {
  const headOwner = head.repository.split("/")[0] ?? "";
  const pulls = await call(() =>
    octokit.paginate(octokit.rest.pulls.list, {
      ...base,
      state: "open",
      head: `${headOwner}:${head.branch}`,
      per_page: 100,
    }),
  );
  return pulls
    .filter((p) => p.head.sha === head.sha && p.head.repo?.full_name === head.repository)
    .map((p) => p.number);
}
