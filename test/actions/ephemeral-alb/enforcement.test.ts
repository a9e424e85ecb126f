/**
 * Enforcement mode: the ephemeral-alb and register-fargate-targets steps run
 * as roles that hold only the documented policies (iam-policy.json) and pass.
 * That each single action removed from a policy fails the cycle naming the
 * permission is the permission-removal campaign, test/faults/permission-removal.test.ts
 * (`npm run test:faults`).
 */
import { describe, expect, it } from "vitest";
import { emulatorFor, leftovers } from "./cycle";
import {
  albSteps,
  enforcedScenario,
  POLICIES,
  plainAlb,
  registerSteps,
  runSteps,
  useEnforcementTasks,
} from "./enforced";

describe("enforcement mode with only the documented policies", () => {
  const tasks = useEnforcementTasks();

  it("both actions pass with exactly iam-policy.json", async () => {
    const { apps, broken } = tasks;
    const emu = await emulatorFor(enforcedScenario(apps, POLICIES.alb, POLICIES.register));
    try {
      const alb = await runSteps(albSteps(emu, apps));
      expect(alb.deviation).toBeUndefined();
      expect(leftovers(emu)).toEqual({});
      const tg = await plainAlb(emu);
      const register = await runSteps(registerSteps(emu, tg, broken));
      expect(register.deviation).toBeUndefined();
      const denied = emu.emulator.requests.filter(
        (r) => r.code === "AccessDenied" || r.code === "UnauthorizedOperation" || r.code === "AccessDeniedException",
      );
      expect(denied).toEqual([]);
    } finally {
      await emu.stop();
    }
  });
});
