import { describe, expect, it } from "vitest";
import { backoffMs, type Clock, DeadlineExceeded, pollUntil, retry } from "../../src/lib/retry";

/** A clock whose sleep advances time instantly: tests never wait. */
function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

describe("retry", () => {
  it("retries retryable errors with capped full-jitter backoff, then succeeds", async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await retry(
      async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error("Rate exceeded"), { name: "Throttling" });
        return "ok";
      },
      { attempts: 5, retryable: (e) => (e as Error).name === "Throttling", sleep: clock.sleep, random: () => 0.999 },
    );
    expect(value).toBe("ok");
    expect(calls).toBe(3);
    expect(clock.slept).toEqual([199, 399]);
    expect(backoffMs(10, 200, 5000, () => 0.5)).toBe(2500);
  });

  it("does not retry what cannot succeed, and stops at the attempt limit", async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error("AccessDenied");
        },
        { attempts: 5, retryable: () => false, sleep: async () => undefined },
      ),
    ).rejects.toThrow("AccessDenied");
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error("Throttling");
        },
        { attempts: 3, retryable: () => true, sleep: async () => undefined },
      ),
    ).rejects.toThrow("Throttling");
    expect(calls).toBe(3);
  });
});

describe("pollUntil", () => {
  it("returns as soon as the state is reached, with growing intervals", async () => {
    const clock = fakeClock();
    let n = 0;
    const v = await pollUntil(async () => (++n >= 4 ? { done: true, value: n } : { done: false }), {
      timeoutMs: 60_000,
      what: "targets",
      minIntervalMs: 100,
      clock,
    });
    expect(v).toBe(4);
    expect(clock.slept).toEqual([100, 150, 225]);
  });

  it("fails fast on a state that can never succeed, naming the reason", async () => {
    const clock = fakeClock();
    await expect(
      pollUntil(async () => ({ done: false, fatal: "load balancer state is failed" }), {
        timeoutMs: 60_000,
        what: "ALB",
        clock,
      }),
    ).rejects.toThrow("load balancer state is failed");
    expect(clock.slept).toEqual([]);
  });

  it("gives up at the deadline with the last detail", async () => {
    const clock = fakeClock();
    const error = await pollUntil(async () => ({ done: false, detail: "2 targets initial" }), {
      timeoutMs: 5_000,
      what: "healthy targets",
      clock,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceeded);
    expect((error as Error).message).toBe("Timed out after 5s waiting for healthy targets: 2 targets initial");
    expect(clock.now()).toBe(5_000);
  });
});
