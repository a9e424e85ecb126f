import { ServiceException } from "@smithy/core/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { done, hopeless, notYet, retryWhileCode, WaiterState, waitFor } from "../../src/lib/wait";
import { fakeClock } from "../actions/ephemeral-alb/aws-mocks";

const START = 1_700_000_000_000;

describe("waitFor (the SDK's createWaiter with the suite's acceptors)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("returns the value as soon as the look says done, with delays that grow from min to max", async () => {
    const clock = fakeClock(START);
    let n = 0;
    const waited = await waitFor(
      { what: "targets", timeoutMs: 600_000, minDelayMs: 100, maxDelayMs: 1_000 },
      async () => (++n >= 12 ? done(n) : notYet(`${n} looks`)),
    );
    expect(waited).toEqual({ state: WaiterState.SUCCESS, value: 12 });
    expect(clock.slept).toHaveLength(11);
    expect(clock.slept[0]).toBe(100);
    expect(Math.min(...clock.slept)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...clock.slept)).toBe(1_000);
  });

  it("fails fast on a state that can never succeed, with the reason and what it saw as the waiter's result", async () => {
    const clock = fakeClock(START);
    const waited = await waitFor({ what: "ALB", timeoutMs: 60_000, minDelayMs: 250, maxDelayMs: 5_000 }, async () =>
      hopeless("load balancer state is failed", { code: "failed" }),
    );
    expect(waited).toEqual({
      state: WaiterState.FAILURE,
      reason: "load balancer state is failed",
      seen: { code: "failed" },
    });
    expect(clock.slept).toEqual([]);
  });

  it("gives up at the deadline, never before it, with the last detail and what it saw", async () => {
    const clock = fakeClock(START);
    let n = 0;
    const waited = await waitFor(
      { what: "healthy targets", timeoutMs: 5_000, minDelayMs: 200, maxDelayMs: 1_000 },
      async () => notYet(`${++n} look(s): 2 targets initial`, n),
    );
    expect(waited).toEqual({
      state: WaiterState.TIMEOUT,
      reason: `Timed out after 5s waiting for healthy targets: ${n} look(s): 2 targets initial`,
      seen: n,
    });
    expect(clock.now() - START).toBeGreaterThanOrEqual(5_000);
    expect(clock.now() - START).toBeLessThanOrEqual(6_000);
  });

  it("looks once when there is no time (a zero budget), and throws a look's error at once", async () => {
    const clock = fakeClock(START);
    let n = 0;
    const once = await waitFor({ what: "x", timeoutMs: 0, minDelayMs: 1_000, maxDelayMs: 15_000 }, async () => {
      n++;
      return notYet("ResourceInUse", "last error");
    });
    expect(once).toMatchObject({ state: WaiterState.TIMEOUT, seen: "last error" });
    expect(n).toBe(1);
    expect(clock.slept).toEqual([]);
    const denied = Object.assign(new Error("User is not authorized"), { name: "AccessDenied" });
    await expect(
      waitFor({ what: "x", timeoutMs: 60_000, minDelayMs: 250, maxDelayMs: 5_000 }, async () => {
        throw denied;
      }),
    ).rejects.toBe(denied);
    expect(clock.now() - START).toBe(0);
  });

  it("lastLook at-deadline: looks every delay while one fits, then a shorter sleep and the last look at the deadline", async () => {
    const clock = fakeClock(START);
    const at: number[] = [];
    const spec = {
      what: "the probe",
      timeoutMs: 5_000,
      minDelayMs: 2_000,
      maxDelayMs: 2_000,
      lastLook: "at-deadline" as const,
    };
    const waited = await waitFor(spec, async () => {
      at.push(clock.now() - START);
      return notYet(`look ${at.length}`, at.length);
    });
    expect(at).toEqual([0, 2_000, 4_000, 5_000]);
    expect(clock.slept).toEqual([2_000, 2_000, 1_000]);
    expect(waited).toEqual({
      state: WaiterState.TIMEOUT,
      reason: "Timed out after 5s waiting for the probe: look 4",
      seen: 4,
    });

    // What the last look says is the result; a budget shorter than the delay is one look, then one at the deadline.
    at.length = 0;
    const begun = clock.now();
    const last = await waitFor({ ...spec, timeoutMs: 1_500 }, async () => {
      at.push(clock.now() - begun);
      return at.length === 2 ? done("up") : notYet();
    });
    expect(last).toEqual({ state: WaiterState.SUCCESS, value: "up" });
    expect(at).toEqual([0, 1_500]);

    // No budget: one look, no sleep.
    at.length = 0;
    clock.slept.length = 0;
    await waitFor({ ...spec, timeoutMs: 0 }, async () => {
      at.push(clock.now());
      return notYet();
    });
    expect(at).toHaveLength(1);
    expect(clock.slept).toEqual([]);
  });
});

describe("retryWhileCode", () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const aws = (name: string) =>
    new ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: 400 }, message: name });
  const spec = { what: "the ResourceInUse to clear", timeoutMs: 30_000, minDelayMs: 1_000, maxDelayMs: 15_000 };

  it("tries again while the call fails with the code, and returns what it then returns", async () => {
    const clock = fakeClock(START);
    let n = 0;
    const got = await retryWhileCode(spec, "ResourceInUse", async () => {
      if (n++ < 2) throw aws("ResourceInUse");
      return "deleted";
    });
    expect(got).toBe("deleted");
    expect(n).toBe(3);
    expect(clock.slept).toHaveLength(2);
  });

  it("any other error ends it at once, as it was", async () => {
    fakeClock(START);
    let n = 0;
    const denied = aws("AccessDenied");
    await expect(
      retryWhileCode(spec, "ResourceInUse", async () => {
        n++;
        throw denied;
      }),
    ).rejects.toBe(denied);
    expect(n).toBe(1);
  });

  it("at the deadline the last error of the code is thrown; no budget means one try", async () => {
    fakeClock(START);
    let n = 0;
    const last = await retryWhileCode({ ...spec, timeoutMs: 0 }, "ResourceInUse", async () => {
      n++;
      throw aws("ResourceInUse");
    }).catch((e: unknown) => e);
    expect((last as Error).name).toBe("ResourceInUse");
    expect(n).toBe(1);
    const clock = fakeClock(START);
    n = 0;
    await retryWhileCode(spec, "ResourceInUse", async () => {
      n++;
      throw aws("ResourceInUse");
    }).catch(() => undefined);
    expect(n).toBeGreaterThan(2);
    expect(Date.now() - START).toBeGreaterThanOrEqual(30_000);
    expect(clock.slept.length).toBe(n - 1);
  });
});
