/**
 * Issue 10 §5: the fork-safe example is safe. The privileged half
 * (workflows-examples/fork-safe-preflight-report.yml) runs here job by job,
 * its suite action from the committed bundle, against the emulator and the
 * GitHub fake, with an artifact a hostile fork wrote: a forged PR number and a
 * task definition naming someone else's roles. The report must land on the
 * fork's own PR (found from the event through the API), the roles simulated
 * must be the base branch's, and a run the example should not trust must not
 * run at all.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ACCOUNT,
  API_KEY_SECRET,
  EXECUTION_ROLE,
  incidentTaskDefinition,
  scenario,
  TASK_ROLE,
  taskDefinition,
  writeFile,
} from "../actions/iam-simulate-preflight/scenario";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { type GitHubFake, startGitHubFake } from "../fakes/github-api";
import { runWorkflowJob } from "../harness/workflow-runner";

const WORKFLOW = "workflows-examples/fork-safe-preflight-report.yml";
const HEAD_SHA = "4f1e2d3c4b5a69788796a5b4c3d2e1f001234567";
const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/papyrus-admin`;
const OTHER_SECRET = `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:payments/prd/stripe-Ab12Cd`;

let emu: RunningEmulator;
let github: GitHubFake;

beforeEach(async () => {
  [emu, github] = await Promise.all([startEmulator({ scenario: scenario({}) }), startGitHubFake()]);
  github.pullRequests.push(
    { number: 7, state: "open", head: { repo: "mallory/papyrus", ref: "patch-1", sha: HEAD_SHA } },
    // The victim: a maintainer's PR whose report the fork would like to overwrite.
    { number: 99, state: "open", head: { repo: "octo-org/papyrus", ref: "release", sha: "9".repeat(40) } },
  );
});

afterEach(async () => {
  await Promise.all([github.stop(), emu.stop()]);
});

function workflowRunEvent(overrides: Record<string, unknown> = {}) {
  return {
    action: "completed",
    workflow_run: {
      id: 4711,
      event: "pull_request",
      conclusion: "success",
      path: ".github/workflows/fork-safe-preflight-collect.yml",
      head_sha: HEAD_SHA,
      head_branch: "patch-1",
      head_repository: { full_name: "mallory/papyrus" },
      // GitHub leaves this empty for pull requests from forks.
      pull_requests: [],
      ...overrides,
    },
  };
}

async function runReport(event: unknown, artifact?: unknown) {
  const downloads: Record<string, string>[] = [];
  const result = await runWorkflowJob({
    workflow: WORKFLOW,
    event,
    eventName: "workflow_run",
    env: { AWS_ENDPOINT_URL: emu.endpoint, GITHUB_API_URL: github.url },
    external: {
      // The base branch: the execution role and task role the team reviewed.
      "actions/checkout": async (_inputs, { workspace }) => {
        writeFile(workspace, "ecs/task-definitions/papyrus-task.json", incidentTaskDefinition());
        return {};
      },
      // What the fork uploaded: a forged PR number and a task definition naming other roles and secrets.
      "actions/download-artifact": async (inputs, { workspace }) => {
        downloads.push(inputs);
        writeFile(workspace, "preflight-input/pr-number", "99\n");
        writeFile(
          workspace,
          "preflight-input/task-definition.json",
          artifact ??
            taskDefinition(
              [
                {
                  name: "web",
                  secrets: [
                    { name: "API_KEY", valueFrom: API_KEY_SECRET },
                    { name: "STRIPE", valueFrom: OTHER_SECRET },
                  ],
                },
              ],
              { executionRoleArn: ADMIN_ROLE, taskRoleArn: ADMIN_ROLE },
            ),
        );
        return {};
      },
    },
  });
  return { result, downloads };
}

const simulatedPrincipals = () =>
  new Set(
    emu.emulator.requests
      .filter((r) => r.service === "iam" && r.action === "SimulatePrincipalPolicy")
      .map((r) => r.params.PolicySourceArn),
  );

describe("fork-safe preflight report", () => {
  it("comments on the fork's own PR found from the event, never the artifact's PR number, and simulates only the base branch's roles", async () => {
    const { result, downloads } = await runReport(workflowRunEvent());
    expect(result.skipped).toBe(false);
    const iam = result.steps.find((s) => s.label.startsWith("Simulate"));
    expect(iam?.status).toBe("failure"); // the incident's deny on API_KEY
    expect(downloads).toEqual([expect.objectContaining({ name: "preflight-input", "run-id": "4711" })]);

    expect(github.commentsOn(99)).toHaveLength(0);
    const comments = github.commentsOn(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("IAM preflight failed");
    expect(github.requests.some((r) => r.path.endsWith("/pulls") && r.query.head === "mallory:patch-1")).toBe(true);

    // The base branch's execution role (the task role has no checks here); never the PR's roles.
    expect(simulatedPrincipals().has(EXECUTION_ROLE)).toBe(true);
    expect([...simulatedPrincipals()].every((p) => p === EXECUTION_ROLE || p === TASK_ROLE)).toBe(true);
    expect(emu.emulator.requests.some((r) => JSON.stringify(r.params).includes("papyrus-admin"))).toBe(false);
  });

  it("an artifact that is a Terraform plan (which names its own roles) is refused: the fork cannot choose the roles", async () => {
    const container = [{ name: "web", secrets: [{ name: "STRIPE", valueFrom: OTHER_SECRET }] }];
    const plan = {
      format_version: "1.2",
      terraform_version: "1.11.4",
      resource_changes: [
        {
          address: "aws_ecs_task_definition.app",
          mode: "managed",
          type: "aws_ecs_task_definition",
          name: "app",
          change: {
            actions: ["create"],
            before: null,
            after: {
              family: "papyrus-task",
              execution_role_arn: ADMIN_ROLE,
              task_role_arn: ADMIN_ROLE,
              container_definitions: JSON.stringify(container),
            },
            after_unknown: {},
          },
        },
      ],
    };
    const { result } = await runReport(workflowRunEvent(), plan);
    const iam = result.steps.find((s) => s.label.startsWith("Simulate"));
    expect(iam?.status).toBe("failure");
    expect(iam?.result?.annotations.map((a) => a.message).join("\n")).toMatch(
      /Input 'execution-role-arn': is given, but task-definition preflight-input\/task-definition\.json is a Terraform plan/,
    );
    expect(simulatedPrincipals().size).toBe(0);
    expect(emu.emulator.requests.some((r) => JSON.stringify(r.params).includes("papyrus-admin"))).toBe(false);
  });

  it("a PR that moved on to a newer commit (or was closed) gets no report about the old one", async () => {
    const { result } = await runReport(workflowRunEvent({ head_sha: "0".repeat(40) }));
    expect(result.skipped).toBe(false);
    expect(github.comments).toHaveLength(0);
    const iam = result.steps.find((s) => s.label.startsWith("Simulate"));
    expect(iam?.result?.annotations.some((a) => a.message.includes("no open pull request"))).toBe(true);
  });

  it.each([
    ["a workflow a fork added under the same name", { path: ".github/workflows/evil.yml" }],
    ["a run that was not a pull_request", { event: "push" }],
    ["a failed collect run", { conclusion: "failure" }],
  ])("does not run for %s", async (_what, overrides) => {
    const { result, downloads } = await runReport(workflowRunEvent(overrides));
    expect(result.skipped).toBe(true);
    expect(downloads).toEqual([]);
    expect(simulatedPrincipals().size).toBe(0);
    expect(github.comments).toHaveLength(0);
  });
});
