/**
 * Issue 10 §4: the PR comment cannot be taken over. A participant who posts a
 * comment starting with the report's marker before the preflight runs must
 * neither receive the real report (they could edit it back to ✅) nor block it
 * (403 on their comment), whatever kind of token the job uses. The step runs
 * in process (runInProcess: the bundle's entry, the runner's seam) against the
 * emulator and the GitHub API fake; the spawned bundle's comment is covered by
 * report-account-ids and fork-safe-report.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { incidentTaskDefinition, scenario, workspaceWith } from "../actions/iam-simulate-preflight/scenario";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { commentCalls, GITHUB_ACTIONS_BOT, type GitHubFake, startGitHubFake } from "../fakes/github-api";
import { runInProcess } from "../harness/in-process";
import type { RunResult } from "../harness/runner";

const TD_FILE = "deploy/task-definition.json";
const MARKER = "<!-- ecs-alb-smoke:iam-simulate-preflight:papyrus-task -->";
const FORGED = `${MARKER}\n### ✅ IAM preflight passed: 9 permission checks allowed`;

let emu: RunningEmulator;
let github: GitHubFake;

beforeEach(async () => {
  [emu, github] = await Promise.all([
    startEmulator({ scenario: scenario({}) }),
    startGitHubFake({ prefix: "/api/v3" }),
  ]);
});

afterEach(async () => {
  await Promise.all([github.stop(), emu.stop()]);
});

function preflight(workspace: string, token = "ghs_workflowtoken"): Promise<RunResult> {
  return runInProcess("iam-simulate-preflight", {
    workspace,
    inputs: { "task-definition": TD_FILE, "github-token": token },
    env: { AWS_ENDPOINT_URL: emu.endpoint, GITHUB_API_URL: github.url },
    event: { pull_request: { number: 7 } },
    eventName: "pull_request",
  });
}

const patches = () => commentCalls(github).filter((r) => r.method === "PATCH");
const warnings = (r: RunResult) => r.annotations.filter((a) => a.level === "warning").map((a) => a.message);

describe("the sticky comment is adopted only from the token's own identity", () => {
  it("GITHUB_TOKEN: a participant's forged marker comment is ignored, named in the summary, and the report lands in our own comment", async () => {
    const forged = github.addComment(7, FORGED, "mallory");
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());

    const first = await preflight(workspace);
    expect(first.code).toBe(1);
    expect(forged.body).toBe(FORGED);
    const ours = github.commentsOn(7).filter((c) => c.user.id === GITHUB_ACTIONS_BOT.id);
    expect(ours).toHaveLength(1);
    expect(ours[0]?.body.startsWith(MARKER)).toBe(true);
    expect(ours[0]?.body).toContain("IAM preflight failed");
    expect(patches()).toHaveLength(0);
    expect(first.summary).toContain(`comment ${forged.id}`);
    expect(first.summary).toContain("`mallory`");
    expect(first.summary).toMatch(/not written by the token's identity `github-actions\[bot\]`/);
    expect(warnings(first).some((w) => w.includes("mallory") && w.includes("ignored"))).toBe(true);

    // The next run updates our comment, never the forged one.
    const second = await preflight(workspace);
    expect(second.code).toBe(1);
    expect(github.commentsOn(7)).toHaveLength(2);
    expect(patches().map((r) => r.path)).toEqual([`/api/v3/repos/octo-org/papyrus/issues/comments/${ours[0]?.id}`]);
    expect(forged.body).toBe(FORGED);
  });

  it("a forged comment posted between two runs does not capture the report", async () => {
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    await preflight(workspace);
    const ours = github.commentsOn(7)[0];
    // Mallory posts the marker later; listComments returns comments oldest first, so ours still comes first,
    // but a forged one that sorts first (ours deleted by a maintainer) must not be adopted either.
    github.comments.splice(github.comments.indexOf(ours as never), 1);
    const forged = github.addComment(7, FORGED, "mallory");
    const again = await preflight(workspace);
    expect(again.code).toBe(1);
    expect(forged.body).toBe(FORGED);
    expect(github.commentsOn(7).map((c) => c.user.login)).toEqual(["mallory", "github-actions[bot]"]);
    expect(patches()).toHaveLength(0);
  });

  it("a user's token (GraphQL viewer, and GET /user when GraphQL is down) adopts only that user's comment", async () => {
    github.asUser("ghp_release_manager", "release-manager");
    const old = github.addComment(7, `${MARKER}\nold report`, "release-manager");
    const forged = github.addComment(7, FORGED, "mallory");
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());

    await preflight(workspace, "ghp_release_manager");
    expect(old.body).toContain("IAM preflight failed");
    expect(forged.body).toBe(FORGED);

    github.graphqlDown = true;
    await preflight(workspace, "ghp_release_manager");
    expect(github.requests.some((r) => r.path === "/api/v3/user" && r.status === 200)).toBe(true);
    expect(github.commentsOn(7)).toHaveLength(2);
    expect(patches()).toHaveLength(2);
    expect(forged.body).toBe(FORGED);
  });

  it("another app's installation token is asked who it is; with no answer nothing is adopted", async () => {
    github.asApp("ghs_deploybot", "papyrus-deploy");
    const workspace = workspaceWith(TD_FILE, incidentTaskDefinition());
    await preflight(workspace, "ghs_deploybot");
    expect(github.commentsOn(7).map((c) => c.user.login)).toEqual(["papyrus-deploy[bot]"]);
    await preflight(workspace, "ghs_deploybot");
    expect(github.commentsOn(7)).toHaveLength(1);

    // GraphQL unreachable and GET /user refused (403 for installation tokens): the identity is
    // unknown, so the report goes into a new comment rather than into one whose author is unknown.
    github.graphqlDown = true;
    const blind = await preflight(workspace, "ghs_deploybot");
    expect(github.requests.some((r) => r.path === "/api/v3/user" && r.status === 403)).toBe(true);
    expect(github.commentsOn(7)).toHaveLength(2);
    expect(patches()).toHaveLength(1);
    expect(warnings(blind).some((w) => w.includes("did not say who the github-token belongs to"))).toBe(true);
  });
});
