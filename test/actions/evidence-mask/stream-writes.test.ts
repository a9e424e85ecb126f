/**
 * A write to the temp file may write fewer bytes than asked (write(2) near the
 * file-size limit or on a full disk): the rewrite writes the rest again, and a
 * write that makes no progress fails the file, which is then left original.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { builtInRules, maskText } from "../../../src/actions/evidence-mask/engine";
import { maskFileStream, TEMP_SUFFIX } from "../../../src/actions/evidence-mask/stream";

// At most `limit` bytes per write to a temp file.
const short = vi.hoisted(() => ({ limit: Number.POSITIVE_INFINITY }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      if (!String(args[0]).endsWith(TEMP_SUFFIX)) return handle;
      const write = handle.write.bind(handle) as (b: Uint8Array, o: number, l: number, p: number) => Promise<unknown>;
      Object.assign(handle, {
        write: (b: Uint8Array, o: number, l: number, p: number) => write(b, o, Math.min(l, short.limit), p),
      });
      return handle;
    },
  };
});

describe("rewrite with short writes", () => {
  const rules = builtInRules();
  const original = "key AKIAIOSFODNN7EXAMPLE in a line of evidence\n".repeat(4000);

  it("writes the rest of each piece: the file is fully masked, byte for byte", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mask-short-"));
    const file = join(dir, "a.log");
    writeFileSync(file, original);
    short.limit = 1000;
    const scan = await maskFileStream(file, rules, { rewrite: true, verify: true, chunkBytes: 4096 });
    short.limit = Number.POSITIVE_INFINITY;
    expect(scan.rewritten).toBe(true);
    expect(readFileSync(file, "latin1")).toBe(maskText(original, rules).text);
    expect(scan.verified?.counts).toEqual({});
  });

  it("fails a file whose write makes no progress, leaving it original and no temp file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mask-short-"));
    const file = join(dir, "a.log");
    writeFileSync(file, original);
    short.limit = 0;
    await expect(maskFileStream(file, rules, { rewrite: true, chunkBytes: 4096 })).rejects.toThrow(/could not write/);
    short.limit = Number.POSITIVE_INFINITY;
    expect(readFileSync(file, "latin1")).toBe(original);
    expect(readdirSync(dir)).toEqual(["a.log"]);
  });
});
