/** Full-jitter exponential backoff (the AWS architecture blog's recommendation). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

/**
 * The time a step reads for what it reports (timestamps, durations). Waits do not sleep through it: every wait is
 * src/lib/wait.ts's, on the process's own timers, which unit tests fake.
 */
export interface Clock {
  now(): number;
}
export const realClock: Clock = { now: () => Date.now() };
