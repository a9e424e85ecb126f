/**
 * Issue 10 §8: job summaries, annotations and PR comments follow the evidence
 * rule. Account IDs are masked in every one of them by default, the way
 * evidence-mask writes them (`************`); `mask-account-ids: false` shows
 * the full ARNs; outputs always keep the real ARNs. Each writer kind through
 * the committed bundles, against the emulator and the GitHub API fake.
 *
 * Before the fix, ephemeral-alb's summary and register-fargate-targets' error
 * annotation carried the full ARNs, and the preflight and drift comments were
 * masked whatever the user asked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  albInputs,
  describeRun,
  emulatorFor,
  leftovers,
  registerInputs,
  runAlb,
  runAlbPost,
  runRegister,
  scenario,
} from "../actions/ephemeral-alb/cycle";
import {
  ACCOUNT,
  EXECUTION_ROLE,
  incidentTaskDefinition,
  scenario as preflightScenario,
  workspaceWith,
} from "../actions/iam-simulate-preflight/scenario";
import { scenario as driftScenario } from "../actions/secrets-rds-drift/scenario";
import type { RunningEmulator } from "../emulator/server";
import { GITHUB_ACTIONS_BOT, type GitHubFake, startGitHubFake } from "../fakes/github-api";
import { type Annotation, type RunResult, runBundle } from "../harness/runner";

const MASKED = "************";
const text = (annotations: Annotation[]) => annotations.map((a) => `${a.title ?? ""} ${a.message}`).join("\n");
const MISSING_TG = `arn:aws:elasticloadbalancing:us-west-2:${ACCOUNT}:targetgroup/nope/73e2d6bc24d8a067`;

describe.sequential("ephemeral-alb and register-fargate-targets", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await emulatorFor(scenario({ tasks: [] }));
  });
  afterAll(async () => {
    await emu?.stop();
  });

  async function cycle(extra: Record<string, string> = {}): Promise<{ main: RunResult; post: RunResult }> {
    const main = await runAlb(emu, await albInputs(extra));
    expect(main.code, describeRun(main)).toBe(0);
    const post = await runAlbPost(emu, main, { inputs: extra });
    expect(post.code, describeRun(post)).toBe(0);
    expect(leftovers(emu)).toEqual({});
    return { main, post };
  }

  it("summary — ephemeral-alb: the created and teardown summaries mask the account ID; the outputs keep the real ARNs", async () => {
    const { main, post } = await cycle();
    const arn = main.outputs["load-balancer-arn"] ?? "";
    expect(arn).toContain(`:${ACCOUNT}:loadbalancer/app/`);
    expect(main.summary).toContain(arn.replace(ACCOUNT, MASKED));
    expect(main.summary).toContain(`arn:aws:elasticloadbalancing:us-west-2:${MASKED}:targetgroup/`);
    for (const summary of [main.summary, post.summary]) expect(summary).not.toContain(ACCOUNT);
    expect(post.summary).toContain(MASKED);
    expect(main.outputs["target-group-arn"]).toContain(`:${ACCOUNT}:targetgroup/`);
  });

  it("summary — mask-account-ids: false shows the full ARNs in the summaries", async () => {
    const { main, post } = await cycle({ "mask-account-ids": "false" });
    const arn = main.outputs["load-balancer-arn"] ?? "";
    expect(main.summary).toContain(arn);
    expect(main.summary).toContain(main.outputs["target-group-arn"]);
    expect(post.summary).toContain(arn);
    expect(main.summary + post.summary).not.toContain(MASKED);
  });

  it("annotation — register-fargate-targets: the error naming a missing target group masks its account ID", async () => {
    const r = await runRegister(emu, registerInputs(MISSING_TG));
    expect(r.code).toBe(1);
    const errors = text(r.annotations.filter((a) => a.level === "error"));
    expect(errors).toContain(`target group ${MISSING_TG.replace(ACCOUNT, MASKED)} was not found`);
    expect(text(r.annotations)).not.toContain(ACCOUNT);
  });

  it("annotation — register-fargate-targets: mask-account-ids: false names the full ARN", async () => {
    const r = await runRegister(emu, registerInputs(MISSING_TG, { "mask-account-ids": false }));
    expect(r.code).toBe(1);
    expect(text(r.annotations)).toContain(`target group ${MISSING_TG} was not found`);
  });

  it("annotation — ephemeral-alb keep: true: the post step's warning masks the ARNs it lists (then a sweep removes the cycle)", async () => {
    const main = await runAlb(emu, await albInputs({ keep: true }));
    expect(main.code, describeRun(main)).toBe(0);
    try {
      const post = await runAlbPost(emu, main);
      const warnings = text(post.annotations.filter((a) => a.level === "warning"));
      expect(warnings).toContain(`NOT destroying`);
      expect(warnings).toContain(`arn:aws:elasticloadbalancing:us-west-2:${MASKED}:loadbalancer/app/`);
      expect(warnings).not.toContain(ACCOUNT);
    } finally {
      const sweep = await runAlb(emu, { mode: "sweep", "run-id": "4242424242" });
      expect(sweep.code, describeRun(sweep)).toBe(0);
    }
    expect(leftovers(emu)).toEqual({});
  });
});

describe("pull request comments", () => {
  let emu: RunningEmulator;
  let github: GitHubFake;
  const PR = 7;
  beforeAll(async () => {
    [emu, github] = await Promise.all([emulatorFor(preflightScenario({})), startGitHubFake({ prefix: "/api/v3" })]);
  });
  afterAll(async () => {
    await Promise.all([github?.stop(), emu?.stop()]);
  });

  const ours = (marker: string) =>
    github.commentsOn(PR).filter((c) => c.user.id === GITHUB_ACTIONS_BOT.id && c.body.includes(marker));

  function preflight(extra: Record<string, string> = {}) {
    return runBundle("iam-simulate-preflight", {
      workspace: workspaceWith("deploy/task-definition.json", incidentTaskDefinition()),
      inputs: { "task-definition": "deploy/task-definition.json", "github-token": "ghs_workflowtoken", ...extra },
      env: { AWS_ENDPOINT_URL: emu.endpoint, GITHUB_API_URL: github.url },
      event: { pull_request: { number: PR } },
      eventName: "pull_request",
    });
  }

  it("iam-simulate-preflight: the comment, the summary and the annotations mask account IDs by default", async () => {
    const r = await preflight();
    expect(r.code).toBe(1);
    const [comment] = ours("ecs-alb-smoke:iam-simulate-preflight:");
    expect(comment?.body).toContain("IAM preflight failed");
    expect(comment?.body).toContain(`arn:aws:iam::${MASKED}:role/ecsTaskExecutionRole`);
    for (const shown of [comment?.body ?? "", r.summary, text(r.annotations)]) expect(shown).not.toContain(ACCOUNT);
  });

  it("iam-simulate-preflight: mask-account-ids: false puts the full ARNs in the comment (updated in place), summary and annotations", async () => {
    const r = await preflight({ "mask-account-ids": "false" });
    expect(r.code).toBe(1);
    const comments = ours("ecs-alb-smoke:iam-simulate-preflight:");
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(EXECUTION_ROLE);
    expect(comments[0]?.body).not.toContain(MASKED);
    expect(r.summary).toContain(EXECUTION_ROLE);
    expect(text(r.annotations)).toContain(EXECUTION_ROLE);
  });

  it("secrets-rds-drift: a secret given by ARN is masked in the comment by default and shown in full with mask-account-ids: false", async () => {
    await emu.emulator.reset();
    await emu.emulator.loadScenario(driftScenario({}));
    const arn = `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:papyrus/prd/db-AbCdEf`;
    const drift = (extra: Record<string, string>) =>
      runBundle("secrets-rds-drift", {
        inputs: { "secret-id": arn, "github-token": "ghs_workflowtoken", ...extra },
        env: { AWS_ENDPOINT_URL: emu.endpoint, GITHUB_API_URL: github.url },
        event: { pull_request: { number: PR } },
        eventName: "pull_request",
      });
    const masked = await drift({});
    expect(masked.code, text(masked.annotations)).toBe(0);
    const [first] = ours("ecs-alb-smoke:secrets-rds-drift:");
    expect(first?.body).toContain(arn.replace(ACCOUNT, MASKED));
    expect(first?.body).not.toContain(ACCOUNT);
    expect(masked.summary).not.toContain(ACCOUNT);

    const full = await drift({ "mask-account-ids": "false" });
    expect(full.code, text(full.annotations)).toBe(0);
    // The same sticky comment (its hidden marker does not depend on the setting), now with the ARN in full.
    const comments = ours("ecs-alb-smoke:secrets-rds-drift:");
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(arn);
    expect(full.summary).toContain(arn);
    // The evidence and the report output stay masked like evidence.
    expect(JSON.parse(full.outputs.report ?? "{}").secret.arn).toBe(arn.replace(ACCOUNT, MASKED));
  });
});
