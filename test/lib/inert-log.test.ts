import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inertLogText } from "../../src/lib/inert-log";
import { runnerCommand, runnerLines } from "../harness/runner-commands";

/** Whether the runner would run `line` as a command. */
const isCommand = (line: string) => runnerCommand(line) !== undefined;

describe("inertLogText", () => {
  it("breaks the commands a hostile file name or answer could carry, and reads the same", () => {
    const hostile = [
      ".x\n::stop-commands::zz",
      "  ::add-mask::x",
      "\t\u0085::error::forged",
      "name\r::set-output name=a::b",
      "found ##[add-matcher]/tmp/m.json in a.log",
      "##[stop-commands]tok",
    ];
    for (const text of hostile) {
      const out = inertLogText(text);
      expect(runnerLines(out).some(isCommand), JSON.stringify(out)).toBe(false);
      expect(out.replaceAll("\u200b", "")).toBe(text);
    }
  });

  it("leaves ordinary lines alone: ARNs, IPv6, a lone colon", () => {
    for (const text of [
      "arn:aws:iam::123456789012:role/x",
      "Uploaded 3 file(s)",
      "a: b",
      "fd00::1 answered",
      "# heading ## two",
    ])
      expect(inertLogText(text)).toBe(text);
  });

  it("any text: no line the runner would run as a command, and nothing but zero-width spaces added", () => {
    const piece = fc.constantFrom(
      "::",
      ":",
      "##[",
      "#",
      "]",
      " ",
      "\t",
      "\n",
      "\r",
      "\u0085",
      "\u00a0",
      "x",
      "add-mask",
    );
    const text = fc.oneof(
      fc.string(),
      fc.array(piece, { maxLength: 24 }).map((p) => p.join("")),
    );
    fc.assert(
      fc.property(text, (t) => {
        const out = inertLogText(t);
        expect(runnerLines(out).some(isCommand)).toBe(false);
        expect(out.replaceAll("\u200b", "")).toBe(t.replaceAll("\u200b", ""));
      }),
      { numRuns: 2000 },
    );
  });
});
