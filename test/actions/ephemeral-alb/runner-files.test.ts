import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator/server";
import { errors } from "../../harness/runner";
import { albInputs, describeRun, emulatorFor, leftovers, runAlb, scenario, startCheckip } from "./cycle";

/**
 * Outside the Actions runner (a laptop, a cron job, another CI) there is no
 * GITHUB_STATE, GITHUB_OUTPUT or GITHUB_STEP_SUMMARY. A create there used to
 * create everything and then fail writing the summary, with no post step ever
 * to destroy it: it must refuse before its first AWS call.
 */
describe("ephemeral-alb outside the runner", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await emulatorFor(scenario({ tasks: [] }));
  });
  afterAll(async () => {
    await emu?.stop();
  });

  const cases: [string, string[]][] = [
    ["none of the runner's files", ["GITHUB_STATE", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"]],
    ["no GITHUB_STEP_SUMMARY", ["GITHUB_STEP_SUMMARY"]],
    ["no GITHUB_STATE", ["GITHUB_STATE"]],
    ["no GITHUB_OUTPUT", ["GITHUB_OUTPUT"]],
  ];
  for (const [what, missing] of cases) {
    it(`with ${what}: fails naming it, before any AWS call or checkip lookup`, async () => {
      const checkip = await startCheckip();
      try {
        const before = emu.emulator.requests.length;
        const env = Object.fromEntries(missing.map((name) => [name, undefined]));
        const r = await runAlb(emu, await albInputs({ "ingress-cidrs": "auto", "checkip-url": checkip.url }), { env });
        expect(r.code, describeRun(r)).toBe(1);
        const message = errors(r).join("\n");
        for (const name of missing) expect(message).toContain(`${name} (`);
        expect(message).toMatch(/^ephemeral-alb cannot record what it creates: .*Nothing was created\./);
        expect(message).not.toMatch(/\n\s+at /);
        expect(emu.emulator.requests.length).toBe(before);
        expect(checkip.hits()).toBe(0);
        expect(leftovers(emu)).toEqual({});
      } finally {
        await checkip.stop();
      }
    });
  }

  it("a summary file it cannot write is refused the same way", async () => {
    const before = emu.emulator.requests.length;
    const r = await runAlb(emu, await albInputs(), { env: { GITHUB_STEP_SUMMARY: "/proc/ecs-alb-smoke/summary.md" } });
    expect(r.code, describeRun(r)).toBe(1);
    expect(errors(r).join("\n")).toMatch(
      /GITHUB_STEP_SUMMARY \(the job summary\) \(\/proc\/ecs-alb-smoke\/summary\.md\) is not writable/,
    );
    expect(emu.emulator.requests.length).toBe(before);
    expect(leftovers(emu)).toEqual({});
  });
});
