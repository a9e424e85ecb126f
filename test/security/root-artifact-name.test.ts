/**
 * The root composite action in a matrix of jobs: every leg used the default
 * `artifact-name: smoke-evidence`, so legs 2+ got `409 Conflict` from the
 * artifact service. Like the alb-smoke workflow's fix, the default is now
 * smoke-evidence-<job>-<service>-<run id>-<attempt>. The naming step is run
 * in bash as the runner runs it, for two legs and two jobs of one run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { interpolate } from "../harness/expressions";
import { ROOT, runBundle } from "../harness/runner";

interface Step {
  id?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { steps: Step[] };
};
const naming = action.runs.steps.find((s) => s.id === "artifact") as Step;

async function artifactName(inputs: Record<string, string>, job = "smoke"): Promise<string> {
  const ctx = {
    contexts: {
      inputs: { ...Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default ?? ""])), ...inputs },
      github: { job, run_id: "4242424242", run_attempt: "1" },
    },
    jobFailed: false,
  };
  const env = Object.fromEntries(Object.entries(naming.env ?? {}).map(([k, v]) => [k, interpolate(v, ctx)]));
  const r = await runBundle("artifact-name", { command: ["bash", "-eo", "pipefail", "-c", naming.run ?? ""], env });
  expect(r.code, r.stderr).toBe(0);
  return r.outputs.name ?? "";
}

describe("the root action's evidence artifact name", () => {
  it("has no shared default, and the mask step uploads under the computed name (also an output)", () => {
    expect(action.inputs["artifact-name"]?.default).toBe("");
    const mask = action.runs.steps.find((s) => s.id === "mask");
    expect(mask?.with?.["artifact-name"]).toBe("${{ steps.artifact.outputs.name }}");
    expect(action.outputs["artifact-name"]?.value).toBe("${{ steps.artifact.outputs.name }}");
  });

  it("differs between the legs of a matrix over services and between jobs, and keeps a given name", async () => {
    const a = await artifactName({ service: "papyrus-task-service" });
    const b = await artifactName({ service: "papyrus-admin-service" });
    const c = await artifactName({ service: "papyrus-task-service" }, "smoke-eu");
    expect(a).toBe("smoke-evidence-smoke-papyrus-task-service-4242424242-1");
    expect(new Set([a, b, c]).size).toBe(3);
    expect(await artifactName({ service: "s", "artifact-name": 'my/evidence:"1"' })).toBe("my-evidence--1-");
  });
});
