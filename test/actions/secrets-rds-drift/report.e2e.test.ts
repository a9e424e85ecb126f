import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import { type GitHubFake, startGitHubFake } from "../../fakes/github-api";
import { errors, runBundle } from "../../harness/runner";
import { PASSWORD, scenario, secretValue, USERNAME } from "./scenario";

// The sticky PR comment through a loopback GitHub API (GitHub Enterprise Server style prefix),
// and the live login check against a real TLS PostgreSQL.
let emu: RunningEmulator;
let github: GitHubFake;
beforeAll(async () => {
  [emu, github] = await Promise.all([startEmulator(), startGitHubFake({ prefix: "/api/v3" })]);
});
afterAll(() => Promise.all([emu.stop(), github.stop()]));

const PR = 42;
async function onPullRequest(secret: Record<string, unknown>, secretId = "papyrus/prd/db") {
  await emu.emulator.reset();
  await emu.emulator.loadScenario(scenario({ secret }));
  return runBundle("secrets-rds-drift", {
    inputs: { "secret-id": secretId, "github-token": "ghs_fake" },
    eventName: "pull_request",
    event: { pull_request: { number: PR } },
    env: { AWS_ENDPOINT_URL: emu.endpoint, GITHUB_API_URL: github.url },
  });
}

describe("secrets-rds-drift on a pull request", () => {
  it("two runs leave one sticky comment keyed by the secret id, updated in place, with no secret value", async () => {
    github.addComment(PR, "LGTM", "reviewer");
    const first = await onPullRequest(secretValue({ dbname: "papyrus_v1" }));
    expect(first.code).toBe(1);
    const second = await onPullRequest(secretValue());
    expect(second.code, errors(second).join("\n")).toBe(0);

    const ours = github.commentsOn(PR).filter((c) => c.body.startsWith("<!-- ecs-alb-smoke:secrets-rds-drift:"));
    expect(ours).toHaveLength(1);
    expect(ours[0]?.body.split("\n")[0]).toBe("<!-- ecs-alb-smoke:secrets-rds-drift:papyrus/prd/db -->");
    expect(ours[0]?.body).toContain("the secret agrees with RDS");
    const calls = github.requests
      .filter((r) => r.method !== "GET" && !r.path.endsWith("/graphql"))
      .map((r) => `${r.method} ${r.path.replace(/\d+$/, "N")}`);
    expect(calls).toEqual([
      `POST /api/v3/repos/octo-org/papyrus/issues/${PR}/comments`,
      "PATCH /api/v3/repos/octo-org/papyrus/issues/comments/N",
    ]);
    for (const c of github.comments) {
      expect(c.body).not.toContain(PASSWORD);
      expect(c.body).not.toContain(USERNAME);
    }
  });

  it("without permission to comment (fork PR): a warning, the summary, and the result unchanged", async () => {
    github.forbid = "write";
    try {
      const r = await onPullRequest(secretValue());
      expect(r.code, errors(r).join("\n")).toBe(0);
      expect(
        r.annotations.some((a) => a.level === "warning" && a.message.includes("Could not comment on pull request #42")),
      ).toBe(true);
      expect(r.summary).toContain("the secret agrees with RDS");
      expect(JSON.parse(r.outputs.report ?? "{}").comment).toBe("not-permitted");
    } finally {
      github.forbid = "none";
    }
  });

  it("a secret given by ARN: the account ID is masked in the comment, its marker included", async () => {
    const arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/prd/db-AbCdEf";
    const r = await onPullRequest(secretValue(), arn);
    expect(r.code, errors(r).join("\n")).toBe(0);
    const ours = github.commentsOn(PR).filter((c) => c.body.includes("secrets-rds-drift:arn:aws:secretsmanager"));
    expect(ours).toHaveLength(1);
    expect(ours[0]?.body).not.toContain("123456789012");
    expect(r.summary).not.toContain("123456789012");
  });
});
