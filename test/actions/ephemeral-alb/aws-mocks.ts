/** Helpers for the unit tests that use aws-sdk-client-mock. */
import type { Clock } from "../../../src/lib/retry";

/** An error shaped like the SDK's service exceptions (code on `name`, `$metadata` present). */
export function awsError(code: string, message = code): Error {
  return Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: 400 } });
}

/** A clock whose sleeps only move time forward: waits and retries take no real time. */
export function fakeClock(start = 1_700_000_000_000): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
  };
}
