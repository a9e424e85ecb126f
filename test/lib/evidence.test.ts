import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { branchTimestamp, EvidenceWriter, evidenceTimestamp, writeFileAtomic } from "../../src/lib/evidence";

describe("evidence naming", () => {
  it("formats UTC timestamps the team's way", () => {
    const d = new Date("2025-11-05T06:32:10.987Z");
    expect(evidenceTimestamp(d)).toBe("20251105_063210");
    expect(branchTimestamp(d)).toBe("20251105-063210Z");
  });

  it("writes <ts>_<kind>.<ext> atomically and keeps the mode of a replaced file", () => {
    const dir = mkdtempSync(join(tmpdir(), "ev-"));
    const w = new EvidenceWriter(dir, "20251105_063210");
    const p = w.write("healthz", "log", "HTTP/1.1 200 OK\r\n");
    expect(p).toBe(join(dir, "20251105_063210_healthz.log"));
    chmodSync(p, 0o640);
    writeFileAtomic(p, "again");
    expect(readFileSync(p, "utf8")).toBe("again");
    expect(statSync(p).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["20251105_063210_healthz.log"]);
    expect(() => w.write("../escape", "log", "x")).toThrow(/unsafe/);
    writeFileSync(join(dir, "x"), "");
  });
});
