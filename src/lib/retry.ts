export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  attempts: number;
  baseMs?: number;
  maxMs?: number;
  /** Decides from the error whether another attempt can help. */
  retryable: (error: unknown) => boolean;
  sleep?: Sleep;
  random?: () => number;
}

/** Full-jitter exponential backoff (the AWS architecture blog's recommendation). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const sleep = opts.sleep ?? realSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt + 1 >= opts.attempts || !opts.retryable(error)) throw error;
      await sleep(backoffMs(attempt, opts.baseMs ?? 200, opts.maxMs ?? 5_000, opts.random));
    }
  }
}

export interface Clock {
  now(): number;
  sleep: Sleep;
}
export const realClock: Clock = { now: () => Date.now(), sleep: realSleep };
