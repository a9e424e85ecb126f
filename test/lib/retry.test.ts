import { describe, expect, it } from "vitest";
import { backoffMs, type Clock, retry } from "../../src/lib/retry";

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
