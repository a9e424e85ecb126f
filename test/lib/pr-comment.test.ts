import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonValueLines, workspaceRelative } from "../../src/lib/annotations";
import {
  commentBody,
  commentMarker,
  githubWaits,
  type PublishOptions,
  publishReport,
  pullRequestFromEvent,
} from "../../src/lib/pr-comment";
import { code, escapeText, GITHUB_COMMENT_LIMIT, table, truncateMarkdown } from "../../src/lib/report-markdown";
import { runnerDeps } from "../../src/lib/run-action";
import { commentCalls, type GitHubFake, startGitHubFake } from "../fakes/github-api";
import { linkableText, renderGfm, tableRows } from "../harness/gfm";

/** The runner seam's summary and log (run-action.ts's runnerDeps), as the actions hand them to publishReport. */
const onRunner = (({ summary, log }) => ({ summary, log }))(runnerDeps());
/** The GitHub client's retries without their waits. */
const noWait = 0;
let fake: GitHubFake;
let dir: string;
let stdout: string[];

function envFor(event: unknown, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const eventPath = join(dir, `event-${Math.random()}.json`);
  writeFileSync(eventPath, JSON.stringify(event));
  return {
    GITHUB_API_URL: fake.url,
    GITHUB_REPOSITORY: "octo-org/papyrus",
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_SERVER_URL: "https://github.example",
    GITHUB_RUN_ID: "99",
    GITHUB_RUN_ATTEMPT: "1",
    ...extra,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pr-comment-"));
  // @actions/core caches the summary path on first use: one file for the whole test file.
  process.env.GITHUB_STEP_SUMMARY = join(dir, "summary.md");
});

beforeEach(async () => {
  fake = await startGitHubFake({ prefix: "/api/v3" });
  writeFileSync(process.env.GITHUB_STEP_SUMMARY as string, "");
  stdout = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fake.stop();
});

afterAll(() => {
  delete process.env.GITHUB_STEP_SUMMARY;
});

/** publishReport with the usual test defaults; `pr` becomes the event's pull_request.number. */
function publish(opts: Partial<PublishOptions> & { pr?: number; event?: unknown }) {
  const { pr, event, ...rest } = opts;
  return publishReport({
    action: "x",
    key: "k",
    markdown: "r",
    comment: true,
    token: "t",
    env: envFor(event ?? (pr !== undefined ? { pull_request: { number: pr } } : {})),
    retryAfterBaseMs: noWait,
    writeSpacingMs: noWait,
    ...onRunner,
    ...rest,
  });
}

const warnings = () => stdout.filter((l) => l.startsWith("::warning"));
const summary = () => readFileSync(process.env.GITHUB_STEP_SUMMARY as string, "utf8");

describe("publishReport", () => {
  it("creates the sticky comment once and updates it in place on the next run (GHES prefix honoured)", async () => {
    const env = envFor({ pull_request: { number: 7 } });
    const first = await publishReport({
      action: "iam-simulate-preflight",
      key: "papyrus",
      markdown: "run 1",
      comment: true,
      token: "t0ken",
      env,
      retryAfterBaseMs: noWait,
      writeSpacingMs: noWait,
      ...onRunner,
    });
    expect(first.comment).toBe("created");
    const second = await publishReport({
      action: "iam-simulate-preflight",
      key: "papyrus",
      markdown: "run 2",
      comment: true,
      token: "t0ken",
      env,
      retryAfterBaseMs: noWait,
      writeSpacingMs: noWait,
      ...onRunner,
    });
    expect(second.comment).toBe("updated");
    const ours = fake.commentsOn(7);
    expect(ours).toHaveLength(1);
    expect(ours[0]?.body).toBe(`${commentMarker("iam-simulate-preflight", "papyrus")}\nrun 2`);
    // REST under /api/v3, GraphQL (who the token is) at /api/graphql, as on GitHub Enterprise Server.
    expect(fake.requests.every((r) => r.path.startsWith("/api/v3/") || r.path === "/api/graphql")).toBe(true);
    expect(fake.requests.filter((r) => r.path === "/api/graphql")).toHaveLength(2);
    expect(fake.requests[0]?.authorization).toBe("token t0ken");
    expect(summary()).toContain("run 1");
    expect(summary()).toContain("run 2");
  });

  it("finds the marker on a later page by following the Link header", async () => {
    for (let i = 0; i < 230; i++) fake.addComment(7, `chatter ${i}`);
    const marker = commentMarker("secrets-rds-drift", "papyrus/db");
    fake.addComment(7, `someone quoting ${marker} in their own comment`);
    const old = fake.addComment(7, `${marker}\nold report`, "github-actions[bot]");
    for (let i = 0; i < 5; i++) fake.addComment(7, `later ${i}`);
    const out = await publishReport({
      action: "secrets-rds-drift",
      key: "papyrus/db",
      markdown: "new report",
      comment: true,
      token: "t",
      env: envFor({ pull_request: { number: 7 } }),
      retryAfterBaseMs: noWait,
      writeSpacingMs: noWait,
      ...onRunner,
    });
    expect(out.comment).toBe("updated");
    expect(old.body).toBe(`${marker}\nnew report`);
    expect(fake.commentsOn(7)).toHaveLength(237);
    const pages = commentCalls(fake)
      .filter((r) => r.method === "GET")
      .map((r) => r.query.page ?? "1");
    expect(pages).toEqual(["1", "2", "3"]);
    // A comment that merely mentions the marker text is not ours.
    expect(commentCalls(fake).filter((r) => r.method === "PATCH")).toHaveLength(1);
  });

  it("keeps one comment per action and key", async () => {
    const env = envFor({ pull_request: { number: 3 } });
    for (const key of ["a", "b", "a"]) {
      await publishReport({
        action: "x",
        key,
        markdown: key,
        comment: true,
        token: "t",
        env,
        retryAfterBaseMs: noWait,
        writeSpacingMs: noWait,
        ...onRunner,
      });
    }
    expect(fake.commentsOn(3).map((c) => c.body)).toEqual([
      `${commentMarker("x", "a")}\na`,
      `${commentMarker("x", "b")}\nb`,
    ]);
  });

  it("on a fork PR (403) warns, writes the summary and does not throw", async () => {
    fake.forbid = "write";
    const out = await publish({ markdown: "the report", pr: 9 });
    expect(out.comment).toBe("not-permitted");
    expect(out.summaryWritten).toBe(true);
    expect(summary()).toContain("the report");
    expect(warnings().join("")).toContain("Resource not accessible by integration");
    expect(warnings().join("")).toContain("pull-requests: write");
    // No retries on a permission answer.
    expect(commentCalls(fake).filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("treats 404 (a repository the token cannot see) like a missing permission", async () => {
    fake.forbid = "all";
    fake.forbidStatus = 404;
    const out = await publish({ pr: 9 });
    expect(out.comment).toBe("not-permitted");
    expect(warnings()).toHaveLength(1);
  });

  it("without a pull request in the event: summary and a warning, no API call", async () => {
    const out = await publish({ env: envFor({ ref: "refs/heads/main" }, { GITHUB_EVENT_NAME: "push" }) });
    expect(out.comment).toBe("no-pull-request");
    expect(fake.requests).toHaveLength(0);
    expect(warnings().join("")).toContain("push event has no pull request");
  });

  it("comment: false writes only the summary; pr-number overrides the event; issue.number is used", async () => {
    const off = await publish({ comment: false, pr: 1 });
    expect(off.comment).toBe("disabled");
    expect(fake.requests).toHaveLength(0);
    await publish({ prNumber: 12 });
    expect(fake.commentsOn(12)).toHaveLength(1);
    expect(pullRequestFromEvent(envFor({ issue: { number: 5 } }))?.number).toBe(5);
  });

  it("on workflow_run: the PR is the open one whose head is the run's repository and SHA; none or two means no comment", async () => {
    const sha = "a".repeat(40);
    const event = {
      workflow_run: {
        id: 5,
        event: "pull_request",
        head_sha: sha,
        head_branch: "fix",
        head_repository: { full_name: "fork/papyrus" },
      },
    };
    const env = envFor(event, { GITHUB_EVENT_NAME: "workflow_run" });
    const run = () =>
      publishReport({
        action: "x",
        key: "k",
        markdown: "r",
        comment: true,
        token: "t",
        env,
        retryAfterBaseMs: noWait,
        writeSpacingMs: noWait,
        ...onRunner,
      });

    expect((await run()).comment).toBe("no-pull-request");
    expect(warnings().join("")).toContain("no open pull request of octo-org/papyrus has the head fork/papyrus@");

    // Same branch name in another fork, and a closed PR with the same head: neither is this run's PR.
    fake.pullRequests.push(
      { number: 3, state: "open", head: { repo: "other/papyrus", ref: "fix", sha } },
      { number: 4, state: "closed", head: { repo: "fork/papyrus", ref: "fix", sha } },
      { number: 5, state: "open", head: { repo: "fork/papyrus", ref: "fix", sha } },
    );
    expect((await run()).comment).toBe("created");
    expect(fake.comments.map((c) => c.issue)).toEqual([5]);

    fake.pullRequests.push({ number: 6, state: "open", head: { repo: "fork/papyrus", ref: "fix", sha } });
    const ambiguous = await run();
    expect(ambiguous.comment).toBe("no-pull-request");
    expect(ambiguous.detail).toMatch(/2 open pull requests \(#5, #6\)/);
  });

  it("retries a server error, then succeeds", async () => {
    fake.failNext = 2;
    const out = await publish({ pr: 2 });
    expect(out.comment).toBe("created");
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "POST /api/graphql 500",
      "POST /api/graphql 500",
      "POST /api/graphql 200",
      "GET /api/v3/repos/octo-org/papyrus/issues/2/comments 200",
      "POST /api/v3/repos/octo-org/papyrus/issues/2/comments 201",
    ]);
  });

  it("waits out a secondary rate limit as GitHub's retry-after says (the throttling plugin), then succeeds", async () => {
    fake.secondaryLimitNext = 2;
    const out = await publish({ pr: 3 });
    expect(out.comment).toBe("created");
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "POST /api/graphql 403",
      "POST /api/graphql 403",
      "POST /api/graphql 200",
      "GET /api/v3/repos/octo-org/papyrus/issues/3/comments 200",
      "POST /api/v3/repos/octo-org/papyrus/issues/3/comments 201",
    ]);
    expect(warnings().join("")).toMatch(/GitHub secondary rate limit on POST \S*\/graphql: retrying in 1s/);
  });

  it("really waits retry-after times the base between throttled attempts (tests only shorten the unit)", async () => {
    fake.secondaryLimitNext = 2;
    const started = Date.now();
    const out = await publish({ pr: 3, retryAfterBaseMs: 150 });
    expect(out.comment).toBe("created");
    expect(fake.requests.filter((r) => r.status === 403)).toHaveLength(2);
    // retry-after: 1 (the fake's), twice, at 150 ms a second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("gives up on a rate limit after two retries: a 403 that is not a permission answer fails the comment, never the step", async () => {
    fake.secondaryLimitNext = 100;
    const out = await publish({ pr: 3 });
    expect(out.comment).not.toBe("created");
    expect(fake.comments).toHaveLength(0);
    expect(warnings().join("")).toContain("giving up");
  });

  it("cuts a body over GitHub's limit and points to the job summary; the fake accepts it", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => [code(`secret-${i}`), "allowed", "x".repeat(20)]);
    const markdown = `## Report\n\n${table(["secret", "decision", "pad"], rows)}\n`;
    expect(markdown.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
    const out = await publish({ key: "big", markdown, pr: 4 });
    expect(out.comment).toBe("created");
    expect(out.commentTruncated).toBe(true);
    const body = fake.commentsOn(4)[0]?.body ?? "";
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body).toContain(
      "job summary of this run](https://github.example/octo-org/papyrus/actions/runs/99/attempts/1)",
    );
    // Cut at a row boundary: every table line is complete.
    const tableLines = body.split("\n").filter((l) => l.startsWith("|"));
    expect(tableLines.every((l) => l.endsWith("|"))).toBe(true);
    expect(summary()).toContain("`secret-2999`");
  });
});

describe("githubWaits", () => {
  it("is the plugins' own 1 s unless a test shortens it; nothing lengthens it or makes it invalid", () => {
    const second = { retryAfterBaseMs: 1000, writeSpacingMs: 1000 };
    expect(githubWaits({}, {})).toEqual(second);
    expect(githubWaits({}, { ECS_ALB_SMOKE_GITHUB_WAIT_MS: "0" })).toEqual({ retryAfterBaseMs: 0, writeSpacingMs: 0 });
    for (const v of ["60000", "-5", "soon", "Infinity", ""]) {
      expect(githubWaits({}, { ECS_ALB_SMOKE_GITHUB_WAIT_MS: v })).toEqual(second);
    }
    expect(githubWaits({ retryAfterBaseMs: 5 }, { ECS_ALB_SMOKE_GITHUB_WAIT_MS: "0" })).toEqual({
      retryAfterBaseMs: 5,
      writeSpacingMs: 0,
    });
    expect(githubWaits({ writeSpacingMs: 5000 }, {})).toEqual(second);
  });
});

describe("report markdown", () => {
  it("renders injection attempts inert, as readable code spans", () => {
    const evil = "web</code><img src=x onerror=alert(1)> [click](http://evil) | @octo-org/admins **bold** `x`\n# h";
    const html = renderGfm(table(["a", "b"], [[code(evil), escapeText(evil)]]));
    expect(tableRows(html)).toHaveLength(1);
    for (const cell of tableRows(html)[0] ?? []) {
      expect(cell).not.toMatch(/<(img|a|strong|h1)\b/);
      expect(linkableText(cell)).toEqual([]);
    }
    expect(code(evil)).toBe(
      "``web</code><img src=x onerror=alert(1)> [click](http://evil) | @octo-org/admins **bold** `x` # h``",
    );
    expect(escapeText("a\u202eb")).toBe("a\ufffdb");
    expect(table(["h"], [["a|b\nc"]])).toBe("| h |\n| --- |\n| a\\|b c |");
    // A backslash before a pipe cannot switch the escape off and split the cell.
    const tricky = renderGfm(table(["a", "b"], [[code("x\\|y"), escapeText("p\\\\|q")]]));
    expect(tableRows(tricky).map((r) => r.length)).toEqual([2]);
  });

  it("closes an open code fence when it cuts inside one", () => {
    const md = `intro\n\`\`\`\n${"line\n".repeat(100)}\`\`\`\n`;
    const { text, truncated } = truncateMarkdown(md, 300, "cut");
    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(300);
    expect((text.match(/```/g) ?? []).length % 2).toBe(0);
    expect(text.endsWith("cut\n")).toBe(true);
  });

  it("marker keys cannot end the HTML comment", () => {
    expect(commentMarker("a", "x-->\n<b>")).toBe("<!-- ecs-alb-smoke:a:x--___b_ -->");
    expect(commentBody("<!-- m -->", "short").body).toBe("<!-- m -->\nshort");
  });
});

describe("annotations", () => {
  it("maps JSON paths to the line of each value", () => {
    const text = `{\n  "taskDefinition": {\n    "containerDefinitions": [\n      {\n        "name": "web",\n        "secrets": [\n          { "name": "A", "valueFrom": "arn:a" },\n          {\n            "name": "B",\n            "valueFrom": "arn:b"\n          }\n        ]\n      }\n    ]\n  }\n}\n`;
    const lines = jsonValueLines(text);
    expect(lines.get(".taskDefinition.containerDefinitions[0].secrets[0].valueFrom")).toBe(7);
    expect(lines.get(".taskDefinition.containerDefinitions[0].secrets[1].valueFrom")).toBe(10);
    expect(jsonValueLines("{ not json").size).toBe(0);
  });

  it("makes paths relative to the workspace", () => {
    expect(workspaceRelative("deploy/td.json", "/ws")).toBe("deploy/td.json");
    expect(workspaceRelative("/ws/deploy/td.json", "/ws")).toBe("deploy/td.json");
    expect(workspaceRelative("/elsewhere/td.json", "/ws")).toBeUndefined();
  });
});
