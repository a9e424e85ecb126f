/**
 * Issue 10 §7 (first item): ephemeral-alb refuses inputs of the other mode and
 * a sweep without a scope, before any AWS call. Before the fix `dry-run: true`
 * in create mode created a real load balancer, and `mode: sweep` with create
 * inputs swept every expired cycle in the account and region.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INPUT_MODES } from "../../src/actions/ephemeral-alb/inputs";
import { albInputs, describeRun, emulatorFor, inProcess, leftovers, scenario } from "../actions/ephemeral-alb/cycle";
import type { RunningEmulator } from "../emulator/server";
import { ROOT } from "../harness/runner";

/** Behaviour tests: the steps run in this process (test/harness/in-process.ts). */
const { runAlb, runAlbPost } = inProcess;

describe("ephemeral-alb: inputs of the other mode, and unscoped sweeps, fail before anything happens", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await emulatorFor(scenario({ tasks: [] }));
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it.each<[string, () => Promise<Record<string, string | number | boolean>>, RegExp]>([
    [
      "dry-run: true in create mode",
      () => albInputs({ "dry-run": true }),
      /^Input 'dry-run': belongs to 'mode: sweep', but this step runs 'mode: create'; nothing was created/,
    ],
    ["run-id in create mode", () => albInputs({ "run-id": "4242424242" }), /^Input 'run-id': belongs to 'mode: sweep'/],
    [
      "create inputs on a sweep",
      async () => ({ mode: "sweep", ...(await albInputs()) }),
      /^Input 'vpc-id': belongs to 'mode: create', but this step runs 'mode: sweep' \(also given: subnet-ids/,
    ],
    [
      "keep: true on a sweep",
      async () => ({ mode: "sweep", "run-id": "1", keep: true }),
      /^Input 'keep': belongs to 'mode: create'/,
    ],
    [
      "a sweep without a scope",
      async () => ({ mode: "sweep" }),
      /^Input 'mode': 'sweep' needs a scope: nothing was swept/,
    ],
    [
      "a dry-run sweep without a scope",
      async () => ({ mode: "sweep", "dry-run": true }),
      /^Input 'mode': 'sweep' needs a scope/,
    ],
    [
      "a negative older-than-minutes",
      async () => ({ mode: "sweep", "older-than-minutes": -5 }),
      /^Input 'older-than-minutes': must be at least 0/,
    ],
  ])("%s is refused, naming the input", async (_name, inputs, message) => {
    const before = emu.emulator.requests.length;
    const r = await runAlb(emu, await inputs());
    expect(r.code, describeRun(r)).toBe(1);
    expect(
      r.annotations
        .filter((a) => a.level === "error")
        .map((a) => a.message)
        .join("\n"),
    ).toMatch(message);
    expect(r.state).toEqual({});
    expect(r.outputs).toEqual({});
    const post = await runAlbPost(emu, r);
    expect(post.code).toBe(0);
    expect(emu.emulator.requests.length).toBe(before);
    expect(leftovers(emu)).toEqual({});
  });

  it("a false boolean of the other mode is allowed (workflows pass `dry-run: ${{ inputs.dry-run }}`)", async () => {
    const r = await runAlb(emu, { mode: "sweep", "dry-run": false, keep: false, "older-than-minutes": 0 });
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.outputs["swept-count"]).toBe("0");
  });

  it("every input of action.yml has a mode, so a new input cannot skip the check", () => {
    const action = parse(readFileSync(join(ROOT, "actions/ephemeral-alb/action.yml"), "utf8")) as {
      inputs: Record<string, { default?: string }>;
    };
    expect(Object.keys(INPUT_MODES).sort()).toEqual(Object.keys(action.inputs).sort());
    // A default in action.yml would reach the step as if the user had set it (the runner passes defaults as INPUT_*).
    for (const [name, mode] of Object.entries(INPUT_MODES)) {
      if (mode !== "both") expect(action.inputs[name]?.default ?? "", name).toBe("");
    }
  });
});
