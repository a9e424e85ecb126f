/**
 * Every wait of the suite is the SDK's own waiter (`createWaiter`, which the
 * clients' `waitUntil*` functions are built on) with an acceptor written for
 * the case: one look at AWS that says done (with the value), can never succeed
 * (with the reason: the waiter's FAILURE), or not yet (with what it saw).
 * Errors of the look are thrown as they are, so a denied or failing call ends
 * the wait at once.
 *
 * The waiter's delays start at `minDelayMs` and grow with jitter to
 * `maxDelayMs`; time is the process's (Date.now, setTimeout), so tests use
 * fake timers. The deadline is kept: the last look is at or after it (by at
 * most one delay), never before.
 */
import { createWaiter, type WaiterResult, WaiterState } from "@smithy/core/client";

export { WaiterState };

/** What one look saw; `seen` is what the caller keeps of it (the last error, the last health). */
export type Look<T, S = unknown> =
  | { state: WaiterState.SUCCESS; value: T }
  | { state: WaiterState.FAILURE; reason: string; seen?: S }
  | { state: WaiterState.RETRY; detail?: string; seen?: S };

/** How a wait ended: the value, or why not (a state that cannot succeed, or the deadline with the last state seen). */
export type Waited<T, S = unknown> =
  | { state: WaiterState.SUCCESS; value: T }
  | { state: WaiterState.FAILURE | WaiterState.TIMEOUT; reason: string; seen?: S };

export const done = <T>(value: T): Look<T, never> => ({ state: WaiterState.SUCCESS, value });
export const hopeless = <S = never>(reason: string, seen?: S): Look<never, S> => ({
  state: WaiterState.FAILURE,
  reason,
  ...(seen !== undefined ? { seen } : {}),
});
export const notYet = <S = never>(detail?: string, seen?: S): Look<never, S> => ({
  state: WaiterState.RETRY,
  ...(detail ? { detail } : {}),
  ...(seen !== undefined ? { seen } : {}),
});

export interface WaitSpec {
  /** What is waited for, as the timeout message names it. */
  what: string;
  timeoutMs: number;
  minDelayMs: number;
  maxDelayMs: number;
}

/** Waits with `look` as the acceptor; `client` (when there is one) is the one the waiter warns through. */
export async function waitFor<T, S = unknown>(
  spec: WaitSpec,
  look: () => Promise<Look<T, S>>,
  client?: unknown,
): Promise<Waited<T, S>> {
  const timeoutMs = Math.max(0, spec.timeoutMs);
  const deadline = Date.now() + timeoutMs;
  // The last state seen, should the waiter itself give up (its TIMEOUT carries
  // no response); a failure's reason is always the waiter's result.
  let last: Look<T, S> | undefined;
  const acceptor = async (): Promise<WaiterResult<Look<T, S>>> => {
    const seen = await look();
    if (seen.state !== WaiterState.RETRY) return { state: seen.state, reason: seen };
    last = seen;
    if (Date.now() >= deadline) return { state: WaiterState.TIMEOUT, reason: seen };
    return { state: WaiterState.RETRY, reason: { message: seen.detail ?? "not yet" } };
  };
  // The acceptor ends the wait at the deadline; the waiter's own limit is one
  // longest delay later, so it never gives up first (it would with a delay
  // that no longer fits) and its last sleep may end after the deadline.
  const maxDelay = Math.max(spec.minDelayMs, spec.maxDelayMs) / 1000;
  const result = await createWaiter(
    { client, maxWaitTime: (deadline - Date.now()) / 1000 + maxDelay + 1, minDelay: spec.minDelayMs / 1000, maxDelay },
    undefined,
    acceptor,
  );
  const seen = (result.state === WaiterState.SUCCESS || result.state === WaiterState.FAILURE ? result.reason : last) as
    | Look<T, S>
    | undefined;
  if (seen?.state === WaiterState.SUCCESS || seen?.state === WaiterState.FAILURE) return seen;
  const detail = seen?.detail;
  return {
    state: WaiterState.TIMEOUT,
    reason: `Timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${spec.what}${detail ? `: ${detail}` : "."}`,
    ...(seen?.seen !== undefined ? { seen: seen.seen } : {}),
  };
}
