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

export type PollOutcome<T> = { done: true; value: T } | { done: false; fatal?: string; detail?: string };

export class DeadlineExceeded extends Error {
  override name = "DeadlineExceeded";
}

export interface Clock {
  now(): number;
  sleep: Sleep;
}
export const realClock: Clock = { now: () => Date.now(), sleep: realSleep };

/**
 * Polls until `poll` says done, says the state can never succeed (`fatal`,
 * which throws at once with that reason), or the deadline passes (throws with
 * the last detail). Intervals start short and grow to `maxIntervalMs`, so a
 * quick success is seen quickly without hammering the API on a slow one.
 */
export async function pollUntil<T>(
  poll: () => Promise<PollOutcome<T>>,
  opts: { timeoutMs: number; what: string; minIntervalMs?: number; maxIntervalMs?: number; clock?: Clock },
): Promise<T> {
  const clock = opts.clock ?? realClock;
  const deadline = clock.now() + opts.timeoutMs;
  let interval = opts.minIntervalMs ?? 250;
  const maxInterval = opts.maxIntervalMs ?? 5_000;
  for (;;) {
    const outcome = await poll();
    if (outcome.done) return outcome.value;
    if (outcome.fatal) throw new Error(outcome.fatal);
    const left = deadline - clock.now();
    if (left <= 0) {
      throw new DeadlineExceeded(
        `Timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for ${opts.what}${outcome.detail ? `: ${outcome.detail}` : "."}`,
      );
    }
    await clock.sleep(Math.min(interval, left));
    interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
  }
}
