/**
 * `workflow_run` matches the triggering workflow by its name, and a fork's pull request can add a workflow
 * under any name. workflows-examples/smoke-after-deploy.yml runs the smoke cycle with the CI role after
 * "deploy": only this repository's own deploy workflow, run by a push to the default branch, may start it.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { condition, type Value } from "../harness/expressions";

const WORKFLOW = "workflows-examples/smoke-after-deploy.yml";
const job = (parse(readFileSync(WORKFLOW, "utf8")) as { jobs: Record<string, { if?: string }> }).jobs.smoke;

const deployRun = {
  conclusion: "success",
  event: "push",
  path: ".github/workflows/deploy.yml",
  head_branch: "main",
  head_repository: { full_name: "octo-org/papyrus" },
};

function runs(eventName: string, workflowRun?: Record<string, unknown>): boolean {
  const event = { repository: { default_branch: "main" }, ...(workflowRun ? { workflow_run: workflowRun } : {}) };
  return condition(job?.if, {
    contexts: { github: { event_name: eventName, repository: "octo-org/papyrus", event: event as Value } },
    jobFailed: false,
  });
}

describe("smoke-after-deploy: which workflow_run events start the smoke cycle", () => {
  it("runs by hand, and after this repository's deploy workflow succeeded on a push to the default branch", () => {
    expect(runs("workflow_dispatch")).toBe(true);
    expect(runs("workflow_run", deployRun)).toBe(true);
  });

  it.each([
    [
      "a fork's workflow named deploy, on its pull request",
      {
        event: "pull_request",
        path: ".github/workflows/x.yml",
        head_repository: { full_name: "mallory/papyrus" },
        head_branch: "patch-1",
      },
    ],
    ["a look-alike file in this repository", { path: ".github/workflows/deploy-preview.yml" }],
    ["a pull_request run of the real deploy workflow", { event: "pull_request" }],
    ["a run from another repository", { head_repository: { full_name: "mallory/papyrus" } }],
    ["a push to another branch", { head_branch: "feature" }],
    ["a failed deploy", { conclusion: "failure" }],
  ])("does not run for %s", (_what, overrides) => {
    expect(runs("workflow_run", { ...deployRun, ...overrides })).toBe(false);
  });
});
