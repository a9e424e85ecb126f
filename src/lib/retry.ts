export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff (the AWS architecture blog's recommendation). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

export interface Clock {
  now(): number;
  sleep: Sleep;
}
export const realClock: Clock = { now: () => Date.now(), sleep: realSleep };
