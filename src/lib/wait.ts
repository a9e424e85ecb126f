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
 * most one delay), never before — or, with `lastLook: "at-deadline"`, at the
 * deadline itself.
 */
import { createWaiter, type WaiterResult, WaiterState } from "@smithy/core/client";
import { awsErrorCode } from "./errors";

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
  /**
   * `at-deadline`: nothing looks after the deadline. The waiter's looks go on
   * while a whole `maxDelayMs` still fits before it; then one shorter sleep and
   * a last look at the deadline (the probe's `deadline-seconds`, with a fixed
   * delay: its `interval-seconds`). Default: the last look is the first one
   * at or after the deadline.
   */
  lastLook?: "at-deadline";
}

/** Waits with `look` as the acceptor; `client` (when there is one) is the one the waiter warns through. */
export async function waitFor<T, S = unknown>(
  spec: WaitSpec,
  look: () => Promise<Look<T, S>>,
  client?: unknown,
): Promise<Waited<T, S>> {
  const timeoutMs = Math.max(0, spec.timeoutMs);
  const deadline = Date.now() + timeoutMs;
  const maxDelayMs = Math.max(spec.minDelayMs, spec.maxDelayMs);
  // With the last look at the deadline, the waiter's own looks end one longest delay before it.
  const atDeadline = spec.lastLook === "at-deadline";
  const waiterDeadline = atDeadline ? Math.max(Date.now(), deadline - maxDelayMs) : deadline;
  // The last state seen, should the waiter itself give up (its TIMEOUT carries
  // no response); a failure's reason is always the waiter's result.
  let last: Look<T, S> | undefined;
  const acceptor = async (): Promise<WaiterResult<{ message: string; look: Look<T, S> }>> => {
    const seen = await look();
    // The waiter counts its looks by their `message` (it would serialise a look without one, value and all).
    if (seen.state !== WaiterState.RETRY) return { state: seen.state, reason: { message: seen.state, look: seen } };
    last = seen;
    const reason = { message: seen.detail ?? "not yet", look: seen };
    return { state: Date.now() >= waiterDeadline ? WaiterState.TIMEOUT : WaiterState.RETRY, reason };
  };
  // The acceptor ends the wait at the deadline; the waiter's own limit is one
  // longest delay later, so it never gives up first (it would with a delay
  // that no longer fits) and its last sleep may end after the deadline.
  const result = await createWaiter(
    {
      client,
      maxWaitTime: (waiterDeadline - Date.now() + maxDelayMs) / 1000 + 1,
      minDelay: spec.minDelayMs / 1000,
      maxDelay: maxDelayMs / 1000,
    },
    undefined,
    acceptor,
  );
  let seen: Look<T, S> | undefined =
    result.state === WaiterState.SUCCESS || result.state === WaiterState.FAILURE ? result.reason?.look : last;
  if (atDeadline && seen?.state === WaiterState.RETRY && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, deadline - Date.now()));
    seen = await look();
  }
  if (seen?.state === WaiterState.SUCCESS || seen?.state === WaiterState.FAILURE) return seen;
  const detail = seen?.detail;
  return {
    state: WaiterState.TIMEOUT,
    reason: `Timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${spec.what}${detail ? `: ${detail}` : "."}`,
    ...(seen?.seen !== undefined ? { seen: seen.seen } : {}),
  };
}

/**
 * `call`, tried again with the waiter's backoff while it fails with `code`
 * (as `codeOf` reads the error: the AWS error code by default) and only that
 * code, until `spec`'s timeout; then its last error is thrown as it was. Any
 * other error ends it at once. For what AWS documents as clearing by itself:
 * a new security group's NotFound, a target group's ResourceInUse.
 */
export async function retryWhileCode<T>(
  spec: WaitSpec,
  code: string,
  call: () => Promise<T>,
  opts: { client?: unknown; codeOf?: (error: unknown) => string | undefined } = {},
): Promise<T> {
  const codeOf = opts.codeOf ?? awsErrorCode;
  const waited = await waitFor<T, unknown>(
    spec,
    async () => {
      try {
        return done(await call());
      } catch (error) {
        if (codeOf(error) !== code) throw error;
        return notYet(code, error);
      }
    },
    opts.client,
  );
  if (waited.state === WaiterState.SUCCESS) return waited.value;
  throw waited.seen;
}
