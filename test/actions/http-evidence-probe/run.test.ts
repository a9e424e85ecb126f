// The retry loop on fake timers (the wait is the SDK's createWaiter, through
// lib/wait.ts): attempts, their times, the deadline and the interval are
// exact, and nothing waits for real.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readProbeInputs } from "../../../src/actions/http-evidence-probe/inputs";
import { type ProbeDeps, run } from "../../../src/actions/http-evidence-probe/run";
import type { Exchange, ExchangeOptions } from "../../../src/actions/http-evidence-probe/types";
import { fakeDeps } from "../../harness/fake-deps";
import { fakeClock } from "../ephemeral-alb/aws-mocks";

const START = 1_000_000;

function fakeWorld(answers: ((n: number) => Partial<Exchange>)[], takesMs = 50) {
  const clock = fakeClock(START);
  // Every pause of the run: the timers it set (an exchange here sets none).
  const sleeps = clock.slept;
  const calls: { url: string; opts: ExchangeOptions; at: number }[] = [];
  const deps: ProbeDeps = {
    ...fakeDeps({ clock }),
    timestamp: "20251105_063210",
    exchange: async (url, opts) => {
      calls.push({ url: url.href, opts, at: clock.now() - START });
      // Each exchange takes 50 ms (or takesMs).
      vi.setSystemTime(clock.now() + takesMs);
      const answer = (answers[Math.min(calls.length, answers.length) - 1] as (n: number) => Partial<Exchange>)(
        calls.length,
      );
      return {
        url: url.href,
        redirects: [],
        timings: { dns: 0, connect: 1, tls: null, ttfb: 40, total: 50 },
        ...answer,
      };
    },
    logsApi: () => {
      throw new Error("these probes search no logs");
    },
  };
  return { deps, sleeps, calls };
}

const ok =
  (status: number, body = "{}") =>
  () => ({
    response: {
      url: "",
      httpVersion: "1.1",
      status,
      statusMessage: "",
      rawHeaders: ["content-type", "application/json"],
      headers: { "content-type": "application/json" },
      body: Buffer.from(body),
      truncated: false,
    },
  });
const refused = () => () => ({
  error: {
    code: "ECONNREFUSED",
    curlExit: 7,
    message: "curl: (7) Failed to connect to 127.0.0.1 port 5000 after 0 ms: Couldn't connect to server",
  },
});

function inputs(extra: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "probe-run-"));
  const all: Record<string, string> = { "evidence-dir": dir, ...extra };
  return { dir, parsed: readProbeInputs((n) => all[n] ?? "", { GITHUB_WORKSPACE: dir }) };
}

const EVERY_2S_FOR_5S = { url: "http://127.0.0.2:5000/healthz", "interval-seconds": "2", "deadline-seconds": "5" };

describe("http-evidence-probe retry loop", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("retries every interval until the expectations hold, and counts the attempts", async () => {
    const { deps, sleeps, calls } = fakeWorld([refused(), ok(500), ok(200)]);
    const { dir, parsed } = inputs({
      url: "http://127.0.0.2:5000/healthz",
      "interval-seconds": "2",
      "deadline-seconds": "60",
    });
    const result = await run(parsed, deps);
    expect(result.failure).toBeUndefined();
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([2000, 2000]);
    expect(calls.map((c) => c.at)).toEqual([0, 2050, 4100]);
    const line = JSON.parse(readFileSync(join(dir, "20251105_063210_healthz_json_line.log"), "utf8"));
    expect(line).toMatchObject({ attempts: 3, status: 200, result: "pass", elapsed_ms: 4150 });
  });

  it("stops at the deadline: the last sleep is cut short and one last attempt is made", async () => {
    const { deps, sleeps, calls } = fakeWorld([refused()]);
    const { dir, parsed } = inputs(EVERY_2S_FOR_5S);
    const result = await run(parsed, deps);
    expect(result.outputs.result).toBe("fail");
    expect(result.failure).toContain("healthz (http://127.0.0.2:5000/healthz) after 4 attempt(s): curl: (7)");
    // 50 ms per attempt: 0-50, sleep 2000, 2050-2100, sleep 2000, 4100-4150, sleep 850 (cut), 5000-5050.
    expect(sleeps).toEqual([2000, 2000, 850]);
    expect(calls).toHaveLength(4);
    // The last attempt is at the deadline itself: none after it.
    expect(calls.map((c) => c.at)).toEqual([0, 2050, 4100, 5000]);
    expect(readdirSync(dir).sort()).toEqual([
      "20251105_063210_healthz.log",
      "20251105_063210_healthz_json_line.log",
      "20251105_063210_probe_summary.json",
    ]);
  });

  it.each([
    // 50 ms per attempt: 0-50, sleep 950 (cut), 1000-1050.
    [
      "a deadline shorter than the interval: one pause cut to the deadline, a last attempt there",
      1,
      50,
      [950],
      [0, 1000],
    ],
    // 2500 ms per attempt: 0-2500, sleep 2000, 4500-7000 (past the 5 s deadline): done.
    ["an attempt that ends after the deadline is the last: no pause, no attempt after it", 5, 2500, [2000], [0, 4500]],
  ])("%s", async (_, deadline, takesMs, pauses, starts) => {
    const { deps, sleeps, calls } = fakeWorld([refused()], takesMs);
    const { parsed } = inputs({
      url: "http://127.0.0.2:5000/healthz",
      "interval-seconds": "2",
      "deadline-seconds": String(deadline),
    });
    const result = await run(parsed, deps);
    expect(result.failure).toContain(`after ${starts.length} attempt(s)`);
    expect(sleeps).toEqual(pauses);
    expect(calls.map((c) => c.at)).toEqual(starts);
  });

  it("a pass at the last attempt, at the deadline, passes", async () => {
    const { deps, calls } = fakeWorld([refused(), refused(), refused(), ok(200)]);
    const { dir, parsed } = inputs(EVERY_2S_FOR_5S);
    const result = await run(parsed, deps);
    expect(result.failure).toBeUndefined();
    expect(calls.map((c) => c.at)).toEqual([0, 2050, 4100, 5000]);
    const line = JSON.parse(readFileSync(join(dir, "20251105_063210_healthz_json_line.log"), "utf8"));
    expect(line).toMatchObject({ attempts: 4, status: 200, result: "pass", elapsed_ms: 5050 });
  });

  it("a binary body of an earlier attempt does not stay behind as evidence of the last one", async () => {
    const binary = () => ({
      response: {
        url: "",
        httpVersion: "1.1",
        status: 503,
        statusMessage: "",
        rawHeaders: ["content-type", "application/octet-stream"],
        headers: { "content-type": "application/octet-stream" },
        body: Buffer.from([0, 1, 2]),
        truncated: false,
      },
    });
    const { deps } = fakeWorld([binary, ok(200)]);
    const { dir, parsed } = inputs({ url: "http://127.0.0.2:5000/healthz", "interval-seconds": "1" });
    const result = await run(parsed, deps);
    expect(result.failure).toBeUndefined();
    expect(readdirSync(dir).some((f) => f.endsWith("_body.bin"))).toBe(false);
  });

  it("deadline 0 means one attempt; every probe gets its own deadline", async () => {
    const { deps, calls } = fakeWorld([ok(500)]);
    const { parsed } = inputs({
      "base-url": "http://127.0.0.2:5000",
      paths: "/healthz\n/dbcheck",
      "deadline-seconds": "0",
    });
    const result = await run(parsed, deps);
    expect(calls.map((c) => c.url)).toEqual(["http://127.0.0.2:5000/healthz", "http://127.0.0.2:5000/dbcheck"]);
    expect(result.failure).toMatch(/^2 of 2 probe\(s\) failed/);
  });

  it("latency samples run only after success and use nearest-rank percentiles", async () => {
    const { deps, calls } = fakeWorld([ok(200)]);
    const { parsed } = inputs({
      url: "http://127.0.0.2:5000/healthz",
      "latency-samples": "5",
      "latency-p90-max-ms": "40",
    });
    const result = await run(parsed, deps);
    expect(calls).toHaveLength(6);
    expect(result.failure).toContain("latency.p90: expected at most 40 ms over 5 requests, got 50 ms");
  });
});
