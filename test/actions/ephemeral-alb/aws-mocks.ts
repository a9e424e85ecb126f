/** Helpers for the unit tests that use aws-sdk-client-mock. */
import { vi } from "vitest";
import type { Clock } from "../../../src/lib/retry";

/** An error shaped like the SDK's service exceptions (code on `name`, `$metadata` present). */
export function awsError(code: string, message = code): Error {
  return Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: 400 } });
}

let pumping = false;

/**
 * Fake timers (Date and setTimeout) from `start`, advanced to the next timer
 * whenever the test's promises have settled: the SDK's waiters and every
 * other wait take no real time. `slept` lists the delay of every timer set.
 * The returned clock reads the same fake time. Undo with `vi.useRealTimers()`.
 */
export function fakeClock(start = 1_700_000_000_000): Clock & { slept: number[] } {
  vi.useRealTimers();
  vi.useFakeTimers({ now: start, toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  const slept: number[] = [];
  const fake = globalThis.setTimeout;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    slept.push(ms ?? 0);
    return fake(fn, ms);
  }) as typeof setTimeout;
  if (!pumping) {
    pumping = true;
    // setImmediate is not faked: it runs once the microtasks (the mocks' answers) are done.
    const pump = () => {
      if (!vi.isFakeTimers()) {
        pumping = false;
        return;
      }
      vi.advanceTimersToNextTimer();
      setImmediate(pump);
    };
    setImmediate(pump);
  }
  return {
    slept,
    now: () => Date.now(),
    sleep: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
