/**
 * Test helper: runs calls in enforcement mode with a recording authorizer, so
 * a service's tests can assert which resource ARNs (and condition keys) each
 * call is evaluated on, and that a denial arrives as the service's real error.
 */
import { accessDenied, type RunningEmulator } from "./server";
import type { ConditionContext } from "./types";

export interface Authorization {
  action: string;
  resources: string[];
  conditions: ConditionContext;
}

export async function spyAuthorizations(
  emu: RunningEmulator,
  deny: (action: string, resources: string[]) => boolean,
  run: () => Promise<void>,
): Promise<Authorization[]> {
  const seen: Authorization[] = [];
  const previous = { enforce: emu.emulator.enforce, authorizer: emu.emulator.authorizer };
  emu.emulator.enforce = true;
  emu.emulator.authorizer = (ctx, action, resources, conditions) => {
    seen.push({ action, resources, conditions });
    if (deny(action, resources)) throw accessDenied(ctx, action, resources[0] ?? "*");
  };
  try {
    await run();
  } finally {
    emu.emulator.enforce = previous.enforce;
    emu.emulator.authorizer = previous.authorizer;
  }
  return seen;
}
