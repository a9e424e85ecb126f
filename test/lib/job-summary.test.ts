import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fitSummary, STEP_SUMMARY_LIMIT_BYTES, writeSummary } from "../../src/lib/job-report";
import { table } from "../../src/lib/report-markdown";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
/** The text survives a UTF-8 round trip unchanged: no character was cut in half. */
const wholeUtf8 = (s: string) => Buffer.from(s, "utf8").toString("utf8") === s && !s.includes("\ufffd");
const tableLines = (s: string) => s.split("\n").filter((l) => l.startsWith("|"));

/** A report of well over 1 MiB of UTF-8 but under 1 M UTF-16 code units: 3- and 4-byte characters. */
function multiByteReport(rows: number): string {
  const body = Array.from({ length: rows }, (_, i) => [`ü-${i}`, "日本語のテキスト".repeat(4), "🚀🔥".repeat(6)]);
  return `## Report ✅\n\n${table(["名前", "説明", "絵文字"], body)}\n`;
}

describe("the job summary at the runner's 1 MiB step limit", () => {
  it("cuts multi-byte content below 1 MiB in bytes, at a row, never inside a character, and says so", () => {
    const md = multiByteReport(12_000);
    expect(md.length).toBeLessThan(1_000_000); // the old limit counted UTF-16 code units and let this through
    expect(bytes(md)).toBeGreaterThan(STEP_SUMMARY_LIMIT_BYTES);
    const { text, truncated } = fitSummary(
      md,
      STEP_SUMMARY_LIMIT_BYTES,
      "The complete report is in the evidence file.",
    );
    expect(truncated).toBe(true);
    expect(bytes(text)).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT_BYTES);
    expect(bytes(text)).toBeGreaterThan(STEP_SUMMARY_LIMIT_BYTES - 4096);
    expect(wholeUtf8(text)).toBe(true);
    const rows = tableLines(text);
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.every((l) => l.endsWith(" |"))).toBe(true);
    expect(rows[1]).toBe("| --- | --- | --- |");
    expect(text).toMatch(
      /\n\n> \[!NOTE\]\n> This summary was cut to fit the runner's 1 MiB step summary limit\. The complete report is in the evidence file\.\n$/,
    );
  });

  it("leaves a summary that fits as it is", () => {
    const md = multiByteReport(10);
    expect(fitSummary(md, STEP_SUMMARY_LIMIT_BYTES)).toEqual({ text: md, truncated: false });
  });

  it("never leaves a table header without its delimiter row", () => {
    const md = `intro\n\n| a | b |\n| --- | --- |\n| ${"é".repeat(400)} | x |\n`;
    // Room for the intro and the header line, not for the delimiter row.
    const room =
      bytes("intro\n\n| a | b |\n") +
      bytes("\n\n> [!NOTE]\n> This summary was cut to fit the runner's 1 MiB step summary limit.\n") +
      100 +
      4;
    const { text, truncated } = fitSummary(md, room);
    expect(truncated).toBe(true);
    expect(text).not.toContain("| a | b |");
    expect(text.startsWith("intro\n")).toBe(true);
  });

  describe("writeSummary, across the writes of one step", () => {
    const dir = mkdtempSync(join(tmpdir(), "job-summary-"));
    const file = join(dir, "summary.md");
    let before: string | undefined;
    beforeAll(() => {
      before = process.env.GITHUB_STEP_SUMMARY;
      writeFileSync(file, "");
      process.env.GITHUB_STEP_SUMMARY = file;
    });
    afterAll(() => {
      if (before === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = before;
    });

    it("counts what the step already wrote: the file never passes 1 MiB, and the cut is said", async () => {
      const first = multiByteReport(5_000);
      expect(await writeSummary(first)).toBe(true);
      expect(readFileSync(file, "utf8")).toBe(first);
      expect(await writeSummary(multiByteReport(5_000), "See the evidence.")).toBe(true);
      const written = readFileSync(file);
      expect(written.length).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT_BYTES);
      const text = written.toString("utf8");
      expect(wholeUtf8(text)).toBe(true);
      expect(tableLines(text).every((l) => l.endsWith(" |"))).toBe(true);
      expect(text).toMatch(/cut to fit the runner's 1 MiB step summary limit\. See the evidence\.\n$/);
      // Full: nothing more is written, and the caller is told.
      expect(await writeSummary("x".repeat(10_000))).toBe(false);
      expect(readFileSync(file).length).toBe(written.length);
    });
  });
});
