/**
 * alb-smoke's publish job, run step by step as the runner would, against the
 * loopback GitHub API: create-pull-request is a stand-in that does what the
 * action does (push the branch, then ask for the pull request, failing with
 * GitHub's message), and the job's own steps run for real.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type GitHubFake, startGitHubFake } from "../fakes/github-api";
import { runWorkflowJob, type WorkflowRunResult } from "../harness/workflow-runner";

const TIMESTAMP = "20251105-063210Z";
const BRANCH = `evidence/smoke-${TIMESTAMP}`;
const SETTING =
  'Settings → Actions → General → Workflow permissions → "Allow GitHub Actions to create and approve pull requests"';
let github: GitHubFake;

beforeEach(async () => {
  github = await startGitHubFake();
});
afterEach(async () => {
  await github.stop();
});

/** peter-evans/create-pull-request as far as the API sees it: the branch is pushed first, then POST /pulls. */
function createPullRequest(fake: GitHubFake) {
  return async (inputs: Record<string, string>) => {
    fake.branches.push(inputs.branch as string);
    const res = await fetch(`${fake.url}/repos/octo-org/papyrus/pulls`, {
      method: "POST",
      headers: { authorization: "token ghs_emulatedworkflowtoken000000000000", "content-type": "application/json" },
      body: JSON.stringify({ title: inputs.title, head: inputs.branch, base: "main", body: inputs.body }),
    });
    const answer = (await res.json()) as { message?: string; documentation_url?: string; number?: number };
    if (!res.ok) throw new Error(`${answer.message} - ${answer.documentation_url}`);
    return { outputs: { "pull-request-number": String(answer.number) } };
  };
}

function publish(fake: GitHubFake): Promise<WorkflowRunResult> {
  return runWorkflowJob({
    workflow: ".github/workflows/alb-smoke.yml",
    job: "publish",
    inputs: { "publish-evidence-branch": true },
    needs: {
      smoke: {
        result: "success",
        outputs: {
          "artifact-id": "17",
          "artifact-name": "smoke-evidence-papyrus-task-service-4242424242-1",
          "evidence-timestamp": TIMESTAMP,
          result: "pass",
        },
      },
    },
    env: { GITHUB_API_URL: fake.url },
    external: { "peter-evans/create-pull-request": createPullRequest(fake) },
    stepTimeoutMs: 60_000,
  });
}

const explainStep = (run: WorkflowRunResult) => run.steps.find((s) => s.label === "Explain a failed pull request");

describe("alb-smoke publish job", () => {
  it("opens the evidence pull request when the repository lets GitHub Actions create pull requests", async () => {
    github.actionsMayCreatePullRequests = true;
    const run = await publish(github);
    expect(run.failed).toBe(false);
    expect(run.steps.find((s) => s.id === "pr")?.status).toBe("success");
    expect(explainStep(run)?.status).toBe("skipped");
    expect(github.pullRequests.map((p) => [p.head.ref, p.title])).toEqual([
      [BRANCH, `Smoke evidence ${TIMESTAMP}: pass`],
    ]);
  });

  it("names the repository setting when GitHub refuses the pull request with 403, and fails the job", async () => {
    const run = await publish(github);
    expect(run.failed).toBe(true);
    expect(run.steps.find((s) => s.id === "pr")?.note).toMatch(/not permitted to create or approve pull requests/);
    const step = explainStep(run);
    expect(step?.status).toBe("failure");
    const errors = step?.result?.annotations.filter((a) => a.level === "error") ?? [];
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error?.title).toBe("GitHub Actions may not create pull requests in octo-org/papyrus");
    expect(error?.message).toContain(SETTING);
    expect(error?.message).toContain("GitHub Actions is not permitted to create or approve pull requests.");
    // What to do: where the evidence is, and how to get the pull request.
    expect(error?.message).toContain(`The evidence is on the branch ${BRANCH}`);
    expect(error?.message).toContain("re-run this job");
    expect(error?.message).toContain(`https://github.com/octo-org/papyrus/compare/${BRANCH}?expand=1`);
    expect(github.pullRequests).toEqual([]);
    const output = `${step?.result?.stdout}${step?.result?.stderr}`;
    expect(output).not.toContain("ghs_emulatedworkflowtoken");
  });

  it("reports any other refusal with GitHub's status and message, without blaming the setting", async () => {
    github.forbid = "write";
    const run = await publish(github);
    expect(run.failed).toBe(true);
    const errors = explainStep(run)?.result?.annotations.filter((a) => a.level === "error") ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0]?.title).toBe("Evidence pull request failed");
    expect(errors[0]?.message).toContain('GitHub answered 403 "Resource not accessible by integration"');
    expect(errors[0]?.message).toContain("contents: write and pull-requests: write");
    expect(errors[0]?.message).not.toContain("Allow GitHub Actions to create and approve pull requests");
  });
});
