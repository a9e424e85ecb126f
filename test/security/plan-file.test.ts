/**
 * A Terraform plan JSON is data from whoever wrote the pull request (README,
 * threat model, "Plan files from pull requests"): hostile addresses render
 * literally, sensitive values of the plan never leave the runner, and the
 * annotation locator does not read `.tf` files through links out of the
 * workspace. Through the committed bundle.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import type { Scenario } from "../emulator/types";
import { type GitHubFake, startGitHubFake } from "../fakes/github-api";
import { linkableText, renderGfm, visibleText } from "../harness/gfm";
import { runBundle } from "../harness/runner";

const ACCOUNT = "123456789012";
const FIXTURES = join(__dirname, "../fixtures/terraform");
const SCENARIO: Scenario = {
  iam: {
    roles: [
      {
        name: "papyrus-task-execution",
        trustPolicy: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
        },
        inlinePolicies: {
          "read-secrets": {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:papyrus/db-*`,
              },
            ],
          },
        },
      },
    ],
  },
  secretsmanager: {
    secrets: [
      { name: "papyrus/db", arnSuffix: "AbCdEf", value: "pw" },
      { name: "papyrus/api-key", arnSuffix: "GhIjKl", value: "k3y" },
    ],
  },
};

let emu: RunningEmulator;
let github: GitHubFake;
beforeEach(async () => {
  [emu, github] = await Promise.all([startEmulator({ scenario: SCENARIO }), startGitHubFake()]);
});
afterEach(async () => {
  await Promise.all([github.stop(), emu.stop()]);
});

type Plan = { resource_changes: Record<string, unknown>[] };
const incidentPlan = () => JSON.parse(readFileSync(join(FIXTURES, "incident/plan.json"), "utf8")) as Plan;

function workspaceWith(plan: unknown, tf = true): string {
  const workspace = mkdtempSync(join(tmpdir(), "plan-sec-"));
  writeFileSync(join(workspace, "plan.json"), JSON.stringify(plan));
  if (tf) cpSync(join(FIXTURES, "incident/pr"), join(workspace, "infra"), { recursive: true });
  return workspace;
}

const preflight = (workspace: string) =>
  runBundle("iam-simulate-preflight", {
    workspace,
    inputs: { "task-definition": "plan.json", "github-token": "ghs_workflowtoken" },
    env: { AWS_ENDPOINT_URL: emu.endpoint, GITHUB_API_URL: github.url },
    event: { pull_request: { number: 7 } },
    eventName: "pull_request",
  });

describe("a Terraform plan from a pull request", () => {
  it("a hostile resource address renders literally in the section heading, links and pings nothing", async () => {
    const hostile = "aws_ecs_task_definition.x`<img src=x onerror=alert(1)>`@octo-org/admins#123[click](http://evil)";
    const plan = incidentPlan();
    for (const rc of plan.resource_changes) {
      if (rc.address === "aws_ecs_task_definition.app") rc.address = hostile;
    }
    const result = await preflight(workspaceWith(plan));
    expect(result.code).toBe(1);
    const body = github.commentsOn(7)[0]?.body ?? "";
    const html = renderGfm(body);
    // (The lead's own **this PR breaks:** is the only bold.)
    expect(html).not.toMatch(/<(img|a|del|script|em)\b/);
    expect(html.match(/<strong>[^<]*<\/strong>/g)).toEqual([
      "<strong>this PR breaks:</strong>",
      "<strong>stays allowed:</strong>",
    ]);
    expect(linkableText(html)).toEqual([]);
    expect(visibleText(html)).toContain(hostile);
  });

  it("sensitive values of the plan reach no output, comment, summary, annotation or evidence file", async () => {
    const sensitive = "S3nsitive-Plan-Value-7f1c";
    const plan = incidentPlan();
    plan.resource_changes.push({
      address: "aws_secretsmanager_secret_version.db",
      mode: "managed",
      type: "aws_secretsmanager_secret_version",
      name: "db",
      provider_name: "registry.terraform.io/hashicorp/aws",
      change: {
        actions: ["create"],
        before: null,
        after: { secret_id: "papyrus/db", secret_string: sensitive },
        after_unknown: { arn: true, id: true, version_id: true },
        before_sensitive: false,
        after_sensitive: { secret_string: true },
      },
    });
    const workspace = workspaceWith(plan);
    const result = await preflight(workspace);
    expect(result.code).toBe(1);
    const evidence = join(workspace, "evidence");
    const files = readdirSync(evidence).map((f) => readFileSync(join(evidence, f), "utf8"));
    expect(files.length).toBeGreaterThan(0);
    for (const text of [
      result.stdout,
      result.stderr,
      result.summary,
      JSON.stringify(result.outputs),
      JSON.stringify(result.annotations),
      JSON.stringify(github.requests),
      ...files,
    ]) {
      expect(text).not.toContain(sensitive);
    }
  });

  it("annotations never come from a .tf file reached through a link out of the workspace", async () => {
    const outside = mkdtempSync(join(tmpdir(), "outside-"));
    cpSync(join(FIXTURES, "incident/pr/main.tf"), join(outside, "main.tf"));
    const workspace = workspaceWith(incidentPlan(), false);
    mkdirSync(join(workspace, "infra"));
    symlinkSync(join(outside, "main.tf"), join(workspace, "infra/main.tf"));
    symlinkSync(outside, join(workspace, "linked-dir"));
    const result = await preflight(workspace);
    expect(result.code).toBe(1);
    const breaks = result.annotations.find((a) => a.message.startsWith("This PR breaks"));
    expect(breaks).toBeDefined();
    expect(breaks?.file).toBeUndefined();
  });
});
