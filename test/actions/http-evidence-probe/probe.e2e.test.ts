// http-evidence-probe end to end: the committed bundle, run like the Actions
// runner, against sample-app tasks backed by a real TLS PostgreSQL.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SampleApp, startSampleApp, startTasks } from "../../fixtures/sample-app";
import { usePostgres } from "../../fixtures/use-postgres";
import { evidence, jsonLine, probe, report } from "./helpers";

describe("http-evidence-probe against the sample app and PostgreSQL", () => {
  const db = usePostgres();
  let app: SampleApp;
  beforeAll(async () => {
    [app] = (await startTasks(1, { db: db() })) as [SampleApp];
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("healthy /healthz and /dbcheck: pass, curl -si evidence, the row is in the database", async () => {
    await db().query("DELETE FROM papyrus_schema.products WHERE sku = 'SKU-APP'");
    const result = await probe({
      "base-url": app.url,
      probes:
        "- path: /healthz\n- path: /dbcheck\n  expect-json:\n    inserted: true\n    ok: true\n    db.ssl: true\n",
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs.result).toBe("pass");

    const files = evidence(result);
    expect(Object.keys(files).sort()).toEqual([
      "dbcheck.log",
      "dbcheck_json_line.log",
      "healthz.log",
      "healthz_json_line.log",
      "probe_summary.json",
    ]);
    // Exactly what curl -si shows: status line, headers, blank line, body.
    const log = files["healthz.log"] as string;
    expect(log).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const [head, body] = log.split("\r\n\r\n");
    expect(head).toMatch(/\r\ncontent-type: application\/json\r\n/);
    expect(JSON.parse(body as string)).toMatchObject({ status: "ok" });

    const line = jsonLine(result, "dbcheck");
    expect(line).toMatchObject({
      name: "dbcheck",
      url: `${app.url}/dbcheck`,
      resolved_address: app.address,
      status: 200,
      attempts: 1,
      result: "pass",
      error: null,
    });
    for (const t of ["dns", "connect", "ttfb", "total"]) expect(typeof line.timings_ms[t]).toBe("number");
    expect(line.timings_ms.tls).toBeNull();
    expect(line.expectations.map((e: { name: string; pass: boolean }) => [e.name, e.pass])).toEqual([
      ["status", true],
      ["json.inserted", true],
      ["json.ok", true],
      ["json.db.ssl", true],
    ]);

    const rows = await db().query("SELECT sku, name FROM papyrus_schema.products WHERE sku = 'SKU-APP'");
    expect(rows.rows).toEqual([{ sku: "SKU-APP", name: "Smoke test product" }]);

    const paths = (result.outputs["evidence-files"] as string).split("\n");
    expect(paths).toHaveLength(5);
    for (const p of paths) expect(p.startsWith(`${result.workspace}/`) && existsSync(p)).toBe(true);
    expect(report(result).probes.map((p: { name: string }) => p.name)).toEqual(["healthz", "dbcheck"]);
    expect(result.summary).toContain("| probe | URL | status | attempts | total ms | expectations | result |");
    expect(result.summary).toMatch(/\| dbcheck \| .* \| 200 \| 1 \|/);
    const summary = JSON.parse(files["probe_summary.json"] as string);
    expect(summary.result).toBe("pass");
    expect(summary.probes).toHaveLength(2);
  });

  it("/healthz failing then recovering before the deadline: retries until it passes, attempts counted", async () => {
    // Count-based, not time-based: the test means the same however loaded the machine is.
    const before = (await app.control({ healthzStatus: 503, healthzFailCount: 3 })).counts["/healthz"] ?? 0;
    const result = await probe({
      url: `${app.url}/healthz`,
      "interval-seconds": 0.2,
      "deadline-seconds": 20,
    });
    const after = (await app.state()).counts["/healthz"] ?? 0;
    expect(result.code, result.stdout).toBe(0);
    const line = jsonLine(result, "healthz");
    expect(line.attempts).toBe(4);
    expect(after - before).toBe(4);
    expect(line.status).toBe(200);
    expect(result.stdout).toMatch(/attempt 1: HTTP 503[\s\S]*attempt 3: HTTP 503[\s\S]*attempt 4: HTTP 200/);
    await app.control({ reset: true });
  });

  it("/healthz never recovers: fails after the deadline with the last 500 as evidence", async () => {
    await app.control({ healthzStatus: 500 });
    try {
      const result = await probe({ url: `${app.url}/healthz`, "interval-seconds": 0.1, "deadline-seconds": 1 });
      expect(result.code).toBe(1);
      expect(result.outputs.result).toBe("fail");
      expect(evidence(result)["healthz.log"]).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
      const line = jsonLine(result, "healthz");
      expect(line.attempts).toBeGreaterThanOrEqual(2);
      const err = result.annotations.find((a) => a.level === "error" && a.title === "Probe healthz failed");
      expect(err?.message).toContain('status: expected "200-399", got 500');
    } finally {
      await app.control({ reset: true });
    }
  });

  it("expect-json mismatch fails and says which path, expected and seen", async () => {
    const result = await probe({
      url: `${app.url}/dbcheck`,
      "expect-json": "inserted: false\ndb.ssl: true\nmissing.key: 1\n",
      "deadline-seconds": 0,
    });
    expect(result.code).toBe(1);
    const line = jsonLine(result, "dbcheck");
    expect(line.status).toBe(200);
    const byName = Object.fromEntries(line.expectations.map((e: { name: string }) => [e.name, e]));
    expect(byName["json.inserted"]).toMatchObject({ expected: false, actual: true, pass: false });
    expect(byName["json.db.ssl"]).toMatchObject({ pass: true });
    expect(byName["json.missing.key"]).toMatchObject({ actual: "(missing)", pass: false });
    expect(result.stdout).toContain("json.inserted: expected false, got true");
  });

  it("/dbcheck with the database unreachable: 503 JSON in the evidence, probe fails", async () => {
    const broken = await startSampleApp({ env: { ...db().taskEnv, DB_PORT: "9" } });
    try {
      const result = await probe({
        url: `${broken.url}/dbcheck`,
        "expect-json": "inserted: true",
        "deadline-seconds": 0,
      });
      expect(result.code).toBe(1);
      expect(evidence(result)["dbcheck.log"]).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*"ok":false/);
      expect(jsonLine(result, "dbcheck").status).toBe(503);
    } finally {
      await broken.stop();
    }
  });

  it("latency budget exceeded: p50/p90/p99 reported, the probe fails", async () => {
    await app.control({ delayMs: 120, delayPaths: ["/healthz"] });
    try {
      const result = await probe({
        url: `${app.url}/healthz`,
        "latency-samples": 4,
        "latency-p90-max-ms": 40,
        "deadline-seconds": 0,
      });
      expect(result.code).toBe(1);
      const line = jsonLine(result, "healthz");
      expect(line.status).toBe(200);
      expect(line.latency).toMatchObject({ samples: 4, errors: 0, budget_p90_ms: 40 });
      expect(line.latency.p90_ms).toBeGreaterThanOrEqual(120);
      expect(line.latency.p50_ms).toBeLessThanOrEqual(line.latency.p90_ms);
      expect(line.expectations.at(-1)).toMatchObject({ name: "latency.p90", pass: false });
      expect(result.summary).toContain("| healthz | 4 |");
      const summary = JSON.parse(evidence(result)["probe_summary.json"] as string);
      expect(summary.probes[0].latency.samples_ms).toHaveLength(4);
    } finally {
      await app.control({ reset: true });
    }
  });

  it("latency within budget passes and is reported", async () => {
    const result = await probe({
      url: `${app.url}/healthz`,
      "latency-samples": 3,
      "latency-p90-max-ms": 30_000,
    });
    expect(result.code, result.stdout).toBe(0);
    expect(report(result).probes[0].latency).toBeDefined();
  });

  it("fail-on never: the step passes, result says fail, a warning instead of an error", async () => {
    const result = await probe({ url: `${app.url}/status/500`, "fail-on": "never", "deadline-seconds": 0 });
    expect(result.code).toBe(0);
    expect(result.outputs.result).toBe("fail");
    expect(result.annotations.filter((a) => a.level === "error")).toEqual([]);
    expect(result.annotations.some((a) => a.level === "warning" && a.title === "Probe status_500 failed")).toBe(true);
  });
});
