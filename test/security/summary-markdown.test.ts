/**
 * Job summaries hold text the suite did not write: an HTTP answer's values, a probe's URL, file names in the
 * evidence folder. Rendered as GitHub renders them (GFM), none of it links, mentions, or adds a heading, an image
 * or a column.
 */
import { describe, expect, it } from "vitest";
import { summaryMarkdown as maskSummary } from "../../src/actions/evidence-mask/report";
import type { ProbeReport } from "../../src/actions/http-evidence-probe/run";
import { summaryMarkdown as probeSummary } from "../../src/actions/http-evidence-probe/summary";
import { linkableText, renderGfm, tableRows } from "../harness/gfm";

const HOSTILE = [
  "go to www.evil.example/fix now",
  "see https://evil.example/x @octo-org/admins #12",
  "a|b <img src=x onerror=alert(1)> [click](http://evil) **bold**",
  "line\n## Safe to merge\n![](https://evil.example/p.png)",
];

function probe(value: string): ProbeReport {
  return {
    name: "dbcheck",
    result: "fail",
    url: "http://alb.example.internal/dbcheck",
    method: "GET",
    resolved_address: "10.0.1.5",
    proxy: null,
    remote_port: 80,
    status: 200,
    http_version: "1.1",
    attempts: 1,
    elapsed_ms: 12,
    timings_ms: { dns: 0, connect: 1, tls: null, ttfb: 5, total: 12 },
    bytes: 20,
    body_truncated: false,
    content_length: 20,
    redirects: [],
    expectations: [{ name: "json.inserted", expected: true, actual: value, pass: false }],
    error: null,
    tls: null,
    reasons: ["json.inserted"],
    evidence: [],
  };
}

describe("job summaries render untrusted text as text", () => {
  it.each(HOSTILE)("http-evidence-probe: a body value %j", (value) => {
    const html = renderGfm(probeSummary([probe(value)], "fail", []));
    const headings = (h: string) => h.match(/<h[1-6]\b/g)?.length;
    expect(linkableText(html)).toEqual([]);
    expect(html).not.toMatch(/<(a|img|strong)\b/);
    expect(headings(html)).toBe(headings(renderGfm(probeSummary([probe("plain")], "fail", []))));
    expect(tableRows(html).map((r) => r.length)).toEqual([7]);
  });

  it.each(HOSTILE)("evidence-mask: a file named %j", (name) => {
    const report = {
      files: [{ path: `evidence/${name}`, binary: false, masked: { "secret-value": 1 }, remaining: {} }],
      skipped: [{ path: `evidence/${name}.lnk`, reason: "a symbolic link; never followed" }],
      unmaskable: [],
      mode: "mask-and-verify",
      result: "masked",
      maskedCount: 1,
      remainingCount: 0,
    } as unknown as Parameters<typeof maskSummary>[0];
    const html = renderGfm(maskSummary(report, undefined));
    expect(linkableText(html)).toEqual([]);
    expect(html).not.toMatch(/<(a|img|strong)\b/);
    expect(html.match(/<h[1-6]\b/g)).toHaveLength(1);
    expect(tableRows(html).map((r) => r.length)).toEqual([4]);
  });
});
