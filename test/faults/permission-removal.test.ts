/**
 * The permission-removal campaign (`npm run test:faults`): for every action of
 * the ephemeral-alb and register-fargate-targets policies (iam-policy.json),
 * the cycle run with that one action removed fails, and the failure names the
 * permission. That the full policies are enough is
 * test/actions/ephemeral-alb/enforcement.test.ts.
 */
import { describe, expect, it } from "vitest";
import { emulatorFor } from "../actions/ephemeral-alb/cycle";
import {
  actionsOf,
  albSteps,
  enforcedScenario,
  type Outcome,
  POLICIES,
  plainAlb,
  pool,
  registerSteps,
  runSteps,
  useEnforcementTasks,
  without,
} from "../actions/ephemeral-alb/enforced";

describe("enforcement mode with one action removed from a documented policy", () => {
  const tasks = useEnforcementTasks();

  it("fails naming the permission when any one action is removed from either policy", async () => {
    const { apps, broken } = tasks;
    const jobs = [
      ...actionsOf(POLICIES.alb).map((action) => ({ side: "alb" as const, action })),
      ...actionsOf(POLICIES.register).map((action) => ({ side: "register" as const, action })),
    ];
    const results: { side: string; action: string; outcome: Outcome }[] = [];
    await pool(jobs, 4, async ({ side, action }) => {
      const started = Date.now();
      const albPolicy = side === "alb" ? without(POLICIES.alb, action) : POLICIES.alb;
      const registerPolicy = side === "register" ? without(POLICIES.register, action) : POLICIES.register;
      const emu = await emulatorFor(enforcedScenario(apps, albPolicy, registerPolicy));
      try {
        const steps = side === "alb" ? albSteps(emu, apps) : registerSteps(emu, await plainAlb(emu), broken);
        const outcome = await runSteps(steps);
        results.push({ side, action, outcome });
        console.log(
          `${side} -${action}: ${outcome.deviation ? `failed at ${outcome.deviation.step}` : "PASSED"} (${Date.now() - started} ms)`,
        );
      } finally {
        await emu.stop();
      }
    });
    const report = results.map(
      (r) => `${r.side} -${r.action}: ${r.outcome.deviation ? `failed at ${r.outcome.deviation.step}` : "PASSED"}`,
    );
    console.log(report.join("\n"));
    expect(results).toHaveLength(jobs.length);
    for (const r of results) {
      expect(r.outcome.deviation, `${r.side} without ${r.action} should fail`).toBeDefined();
      expect(r.outcome.deviation?.message, `${r.side} without ${r.action}`).toContain(r.action);
    }
  }, 420_000);
});
