// The retry loop with a fake clock: attempts, deadline and interval are exact,
// and nothing waits for real.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readProbeInputs } from "../../../src/actions/http-evidence-probe/inputs";
import { type ProbeDeps, run } from "../../../src/actions/http-evidence-probe/run";
import type { Exchange, ExchangeOptions } from "../../../src/actions/http-evidence-probe/types";
import { fakeDeps } from "../../harness/fake-deps";

function fakeWorld(answers: ((n: number) => Partial<Exchange>)[]) {
  let clock = 1_000_000;
  const sleeps: number[] = [];
  const calls: { url: string; opts: ExchangeOptions }[] = [];
  const deps: ProbeDeps = {
    ...fakeDeps({
      clock: {
        now: () => clock,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock += ms;
        },
      },
    }),
    timestamp: "20251105_063210",
    exchange: async (url, opts) => {
      calls.push({ url: url.href, opts });
      clock += 50;
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

describe("http-evidence-probe retry loop", () => {
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
    const line = JSON.parse(readFileSync(join(dir, "20251105_063210_healthz_json_line.log"), "utf8"));
    expect(line).toMatchObject({ attempts: 3, status: 200, result: "pass", elapsed_ms: 4150 });
  });

  it("stops at the deadline: the last sleep is cut short and one last attempt is made", async () => {
    const { deps, sleeps, calls } = fakeWorld([refused()]);
    const { dir, parsed } = inputs({
      url: "http://127.0.0.2:5000/healthz",
      "interval-seconds": "2",
      "deadline-seconds": "5",
    });
    const result = await run(parsed, deps);
    expect(result.outputs.result).toBe("fail");
    expect(result.failure).toContain("healthz (http://127.0.0.2:5000/healthz) after 4 attempt(s): curl: (7)");
    // 50 ms per attempt: 0-50, sleep 2000, 2050-2100, sleep 2000, 4100-4150, sleep 850 (cut), 5000-5050.
    expect(sleeps).toEqual([2000, 2000, 850]);
    expect(calls).toHaveLength(4);
    expect(readdirSync(dir).sort()).toEqual([
      "20251105_063210_healthz.log",
      "20251105_063210_healthz_json_line.log",
      "20251105_063210_probe_summary.json",
    ]);
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
