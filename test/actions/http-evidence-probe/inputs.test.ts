import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStatusRanges, percentile } from "../../../src/actions/http-evidence-probe/expectations";
import { probeNameFromPath, readProbeInputs } from "../../../src/actions/http-evidence-probe/inputs";
import { InputError } from "../../../src/lib/errors";
import { expectInputError, probe } from "./helpers";

const source = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? "";

describe("http-evidence-probe inputs (end to end: exit 1, the input named, no stack, nothing written)", () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    [
      "malformed probes YAML",
      { "base-url": "http://127.0.0.1:1", probes: "- path: /healthz\n  - bad: [" },
      "probes",
      /not valid YAML/,
    ],
    [
      "an unknown key in a probe",
      { "base-url": "http://127.0.0.1:1", probes: "- path: /healthz\n  expect-stauts: 200" },
      "probes",
      /item 1 has unknown key 'expect-stauts'/,
    ],
    ["an invalid URL", { url: "not a url" }, "url", /'not a url' is not a valid URL/],
    ["a URL that is not http(s)", { url: "ftp://127.0.0.1/x" }, "url", /must start with http/],
    ["a negative timeout", { url: "http://127.0.0.1:1/", "timeout-seconds": "-1" }, "timeout-seconds", /at least/],
    ["a negative deadline", { url: "http://127.0.0.1:1/", "deadline-seconds": "-5" }, "deadline-seconds", /at least 0/],
    [
      "a negative max-body-bytes",
      { url: "http://127.0.0.1:1/", "max-body-bytes": "-1" },
      "max-body-bytes",
      /at least 0/,
    ],
    [
      "both url and probes",
      { url: "http://127.0.0.1:1/", probes: "- url: http://127.0.0.1:1/" },
      "url",
      /'probes' are both set/,
    ],
    ["nothing to probe", {}, "url", /no URL to probe/],
    ["paths without base-url", { paths: "/healthz" }, "paths", /'base-url' is empty/],
    [
      "a bad expect-status",
      { url: "http://127.0.0.1:1/", "expect-status": "ok" },
      "expect-status",
      /not a status list/,
    ],
    [
      "a bad resolve entry",
      { url: "http://127.0.0.1:1/", resolve: "papyrus.internal:127.0.0.2" },
      "resolve",
      /host:port:address/,
    ],
    [
      "a bad fail-on",
      { url: "http://127.0.0.1:1/", "fail-on": "sometimes" },
      "fail-on",
      /one of 'any-failure', 'never'/,
    ],
    ["a non-boolean insecure", { url: "http://127.0.0.1:1/", insecure: "yes" }, "insecure", /true or false/],
    [
      "a budget without samples",
      { url: "http://127.0.0.1:1/", "latency-p90-max-ms": "1500" },
      "latency-p90-max-ms",
      /latency-samples/,
    ],
  ];

  it("an evidence-dir that cannot be written: named before any request is sent", async () => {
    // A regular file where the directory should be: fails for root too.
    const result = await probe(
      { url: "http://127.0.0.1:1/", "evidence-dir": "README-not-a-dir/evidence", "deadline-seconds": 0 },
      (ws) => writeFileSync(join(ws, "README-not-a-dir"), "x"),
    );
    expect(result.code).toBe(1);
    expect(result.annotations.find((a) => a.level === "error")?.message).toMatch(
      /^Input 'evidence-dir': '\/.*\/README-not-a-dir\/evidence' cannot be created or written \(ENOTDIR\)/,
    );
    expect(result.stdout).not.toContain("curl: (7)");
  });

  it.each(cases)("%s", async (_what, inputs, input, message) => {
    const result = await probe(inputs);
    expectInputError(result, input);
    expect(result.annotations.find((a) => a.level === "error")?.message).toMatch(message);
  });
});

describe("http-evidence-probe input parsing", () => {
  it("derives probe names from paths and makes derived duplicates unique", () => {
    expect(probeNameFromPath("/healthz")).toBe("healthz");
    expect(probeNameFromPath("/")).toBe("root");
    expect(probeNameFromPath("/api/v1/status/")).toBe("api_v1_status");
    const inputs = readProbeInputs(
      source({ "base-url": "http://127.0.0.2:5000/", paths: "/healthz\n/\n/healthz?x=1" }),
    );
    expect(inputs.probes.map((p) => [p.name, p.url.href])).toEqual([
      ["healthz", "http://127.0.0.2:5000/healthz"],
      ["root", "http://127.0.0.2:5000/"],
      ["healthz_2", "http://127.0.0.2:5000/healthz?x=1"],
    ]);
    expect(inputs).toMatchObject({
      timeoutMs: 10_000,
      deadlineMs: 120_000,
      intervalMs: 2_000,
      maxBodyBytes: 1_048_576,
    });
  });

  it("rejects two probes with the same explicit name", () => {
    expect(() =>
      readProbeInputs(
        source({ probes: "- url: http://127.0.0.1:1/a\n  name: x\n- url: http://127.0.0.1:1/b\n  name: x" }),
      ),
    ).toThrow(InputError);
  });

  it("refuses a header value with a line break (header smuggling)", () => {
    expect(() =>
      readProbeInputs(source({ probes: '- url: http://127.0.0.1:1/\n  headers:\n    X-A: "one\\r\\nX-B: two"' })),
    ).toThrow(/Input 'probes': item 1: header 'X-A' has a line break/);
  });

  it("probe-level settings override the step-level defaults", () => {
    const inputs = readProbeInputs(
      source({
        "base-url": "http://127.0.0.2:5000",
        "expect-status": "200",
        probes: "- path: /healthz\n- path: /dbcheck\n  expect-status: 2xx\n  expect-json:\n    inserted: true",
      }),
    );
    expect(inputs.probes[0]?.expect).toMatchObject({ statusText: "200", json: {} });
    expect(inputs.probes[1]?.expect).toMatchObject({ statusText: "2xx", json: { inserted: true } });
  });

  it("parses status lists and percentiles", () => {
    expect(parseStatusRanges("200-399")).toEqual([{ from: 200, to: 399 }]);
    expect(parseStatusRanges("2xx, 301,302")).toEqual([
      { from: 200, to: 299 },
      { from: 301, to: 301 },
      { from: 302, to: 302 },
    ]);
    expect(parseStatusRanges("399-200")).toBeUndefined();
    expect(parseStatusRanges("700")).toBeUndefined();
    const sorted = Array.from({ length: 10 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99)]).toEqual([5, 9, 10]);
  });
});
