/**
 * The one redactor the probe, the drift check and the command line mask their
 * text with (src/lib/masking.ts `redactor`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactor } from "../../src/lib/masking";

describe("redactor", () => {
  it("masks a value that contains another whole (longest first), and every occurrence", () => {
    expect(redactor(["pw", "pw-2026"])("x pw-2026 y pw z pw-2026")).toBe("x *** y *** z ***");
  });

  it("leaves values shorter than minLength (the probe's 3) and empty values alone", () => {
    expect(redactor(["ab", "abc", ""], 3)("ab abc abcd")).toBe("ab *** ***d");
    expect(redactor([""])("text")).toBe("text");
    expect(redactor(["a"])("banana")).toBe("b***n***n***");
  });

  it("no value of at least minLength survives, whatever the values and the text (newlines, quotes, unicode)", () => {
    const value = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).filter((v) => !v.includes("*"));
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 6 }),
        fc.array(fc.string({ unit: "grapheme" }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        (values, parts, minLength) => {
          // The text is the values themselves interleaved with arbitrary text.
          const text = parts.map((p, i) => `${p}${values[i % Math.max(1, values.length)] ?? ""}\n"'`).join("");
          const out = redactor(values, minLength)(text);
          for (const v of values) if (v.length >= minLength) expect(out).not.toContain(v);
        },
      ),
      { numRuns: 300 },
    );
  });
});
