/**
 * `smoke` passes each step the inputs the root action.yml's `with:` passes
 * (read here from action.yml itself), so the terminal's cycle cannot drift
 * from the composite action's: `${{ inputs.x }}` is the flag x, literals are
 * the same, the step outputs and the "targets healthy" conditions evaluate as
 * in the workflow. The only differences are the documented ones.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { smokeStepInputs } from "../../src/cli/smoke";
import { ROOT } from "../harness/runner";

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, string | number | boolean>;
}
const doc = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as { runs: { steps: Step[] } };
// The composite's \`mode: destroy\` step has no id: smoke calls it \`destroy\`.
const actionSteps = doc.runs.steps
  .filter((s) => s.uses?.includes("/actions/"))
  .map((s) => (s.id === undefined && s.with?.mode === "destroy" ? { ...s, id: "destroy" } : s));
/** Inputs the command line does not pass: nothing is uploaded (README, "From a terminal"). */
const NOT_PASSED: Record<string, string[]> = { mask: ["artifact-name", "retention-days"] };
/** Inputs only the command line passes: --evidence-dir. */
const ADDED = ["evidence-dir"];

const get = (name: string) => `<${name}>`;
const context = (targetsHealthy: boolean) => ({
  region: "<aws-region>",
  evidenceDir: "evidence",
  roleArn: "<role-arn>",
  targetGroupArn: "<steps.alb.outputs.target-group-arn>",
  baseUrl: "<steps.alb.outputs.https-url || steps.alb.outputs.url>",
  resolve: "<steps.alb.outputs.https-resolve>",
  targetsHealthy,
});

/** The few expressions action.yml uses, evaluated as the runner does. */
function expected(value: string, targetsHealthy: boolean): string {
  const input = /^\$\{\{ inputs\.([\w-]+) \}\}$/.exec(value);
  if (input) return get(input[1] as string);
  // `a || b` of step outputs: smoke computes it the same way (https-url, else url).
  const output = /^\$\{\{ (steps\.[\w-]+\.outputs\.[\w-]+(?: \|\| steps\.[\w-]+\.outputs\.[\w-]+)?) \}\}$/.exec(value);
  if (output) return `<${output[1]}>`;
  const healthy = /^\$\{\{ steps\.targets\.outcome == 'success' && (.+) \|\| 0 \}\}$/.exec(value);
  if (healthy) {
    if (!targetsHealthy) return "0";
    const then = healthy[1] as string;
    return /^\d+$/.test(then) ? then : expected(`\${{ ${then} }}`, true);
  }
  if (value.includes("${{")) throw new Error(`action.yml uses an expression this test does not know: ${value}`);
  return value;
}

describe("smoke's steps get the root action.yml's with:", () => {
  it("covers the composite's six action steps", () => {
    expect(actionSteps.map((s) => s.id)).toEqual(["preflight", "alb", "targets", "probe", "destroy", "mask"]);
  });

  it.each([true, false])("every with: entry (targets healthy: %s)", (healthy) => {
    const mine = smokeStepInputs(get, context(healthy)) as Record<string, Record<string, string>>;
    for (const step of actionSteps) {
      const id = step.id as string;
      const ours = mine[id] ?? {};
      const theirs = step.with ?? {};
      for (const [key, raw] of Object.entries(theirs)) {
        if (NOT_PASSED[id]?.includes(key)) {
          expect(ours[key], `${id}.${key}`).toBeUndefined();
          continue;
        }
        expect(ours[key], `${id}.${key} (${String(raw)})`).toBe(expected(String(raw), healthy));
      }
      for (const key of Object.keys(ours)) {
        if (!(key in theirs)) expect(ADDED, `${id}.${key} is not in action.yml`).toContain(key);
      }
    }
  });
});
