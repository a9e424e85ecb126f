/**
 * Issue 10 §8 at the level of a whole run: the demo's full cycle (the
 * alb-smoke reusable workflow's steps, post steps included, then the
 * preflight workflow on a pull request with its comments), every bundle run
 * the way the runner runs it. By default no step's summary or annotation and
 * no PR comment holds an account ID; with `mask-account-ids: false` the ARNs
 * are there in full. Either way the steps' outputs keep the real ARNs.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type DemoResult, runDemo } from "../demo/cycle";
import { ACCOUNT } from "../demo/scenario";

// A 12-digit account ID where it is one: in an ARN, an ECR registry host, after "account", or the demo account itself.
const ACCOUNT_ID = [
  /arn(?::|%3A)aws[a-z-]*(?::|%3A)[a-z0-9-]+(?::|%3A)[a-z0-9-]*(?::|%3A)\d{12}/i,
  /\d{12}\.dkr\.ecr/,
  /account[^0-9\n]{0,12}\d{12}/i,
  new RegExp(ACCOUNT),
];

interface Shown {
  where: string;
  text: string;
}

/** Every summary and annotation of every step (post steps included), and the PR comments. */
function shown(result: DemoResult, outDir: string): Shown[] {
  const out: Shown[] = [];
  for (const step of result.steps) {
    if (!step.result) continue;
    const where = `${step.phase} ${step.label}`;
    out.push({ where: `${where} (summary)`, text: step.result.summary });
    for (const a of step.result.annotations) {
      if (a.level !== "debug") out.push({ where: `${where} (${a.level})`, text: `${a.title ?? ""}\n${a.message}` });
    }
  }
  out.push({ where: "PR comments", text: readFileSync(join(outDir, "pr-comment.md"), "utf8") });
  return out;
}

async function demo(inputs: Record<string, string | boolean> = {}) {
  const outDir = mkdtempSync(join(tmpdir(), "cycle-out-"));
  const result = await runDemo({
    evidenceDir: mkdtempSync(join(tmpdir(), "cycle-ev-")),
    outDir,
    log: () => undefined,
    inputs,
  });
  expect(result.passed, result.steps.map((s) => `${s.status} ${s.phase} ${s.label}`).join("\n")).toBe(true);
  const outputs = result.steps.find((s) => s.id === "alb" && s.phase === "main")?.result?.outputs ?? {};
  return { result, outDir, shown: shown(result, outDir), outputs };
}

describe("a full smoke cycle and preflight, as the reusable workflows run them", () => {
  it("by default no summary, annotation or PR comment holds an account ID; the outputs keep the real ARNs", async () => {
    const { shown, outputs } = await demo();
    const leaks = shown.flatMap((s) => ACCOUNT_ID.filter((re) => re.test(s.text)).map((re) => `${s.where}: ${re}`));
    expect(leaks).toEqual([]);
    const all = shown.map((s) => s.text).join("\n");
    // Not vacuous: the ARNs are there, masked as evidence-mask writes them.
    expect(all).toContain("arn:aws:elasticloadbalancing:us-west-2:************:targetgroup/");
    expect(all).toContain("arn:aws:iam::************:role/");
    expect(shown.filter((s) => s.where.endsWith("(summary)") && s.text !== "").length).toBeGreaterThanOrEqual(6);
    expect(outputs["target-group-arn"]).toContain(`:${ACCOUNT}:targetgroup/`);
  }, 300_000);

  it("with mask-account-ids: false the ARNs appear in full", async () => {
    const { shown, outputs } = await demo({ "mask-account-ids": false });
    const summaries = shown.filter((s) => s.where.endsWith("(summary)")).map((s) => s.text);
    const tg = outputs["target-group-arn"] ?? "";
    expect(tg).toContain(`:${ACCOUNT}:targetgroup/`);
    expect(summaries.some((s) => s.includes(tg))).toBe(true);
    const comments = shown.find((s) => s.where === "PR comments")?.text ?? "";
    expect(comments).toContain(`arn:aws:iam::${ACCOUNT}:role/`);
    expect(shown.map((s) => s.text).join("\n")).not.toContain("arn:aws:iam::************:");
  }, 300_000);
});
