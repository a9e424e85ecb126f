/**
 * Issue 10 §7: a user-supplied regex (`custom-rules`) could hang the step:
 * `(a+)+$` on a run of `a` backtracks for longer than any job timeout. Each
 * search now runs under a time budget; a rule past it fails the step with its
 * name, and no file is left half masked.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { regexRule } from "../../src/actions/evidence-mask/engine";
import { withTimeBudget } from "../../src/actions/evidence-mask/rule-budget";
import { errors, runBundle } from "../harness/runner";

const EVIL = `${"a".repeat(48)}!\n`;

describe("evidence-mask: custom rules cannot hang the step", () => {
  it("a catastrophically backtracking rule fails the bundle with its name; files stay as they were", async () => {
    const ws = mkdtempSync(join(tmpdir(), "sec-redos-"));
    mkdirSync(join(ws, "evidence"));
    writeFileSync(join(ws, "evidence/a.log"), `key AKIAIOSFODNN7EXAMPLE\n${EVIL}`);
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { "custom-rules": "- name: nested-a\n  regex: '(a+)+$'\n" },
      // Before the budget this never finished; the harness kills it and the test fails.
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(1);
    const message = errors(r).join("\n");
    expect(message).toMatch(/Input 'custom-rules': rule 'nested-a' took longer than 2000 ms/);
    expect(message).toMatch(/Rewrite the regex without nested or overlapping quantifiers/);
    expect(message).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(ws, "evidence/a.log"), "utf8")).toBe(`key AKIAIOSFODNN7EXAMPLE\n${EVIL}`);
  }, 90_000);

  it("an ordinary custom rule is unaffected by the budget", () => {
    const rule = withTimeBudget(
      regexRule({ name: "ticket", description: "", regex: /TKT-(?<v>\d+)/, replacement: "#", maxLength: 64 }),
      1000,
    );
    expect(rule.find("open TKT-123 and TKT-456", 0).map((m) => [m.start, m.end])).toEqual([
      [9, 12],
      [21, 24],
    ]);
  });

  it("the budget interrupts the regex engine itself, then the rule can be used again", () => {
    const rule = withTimeBudget(
      regexRule({ name: "nested-a", description: "", regex: /(a+)+$/, replacement: "#", maxLength: 64 }),
      50,
    );
    expect(() => rule.find(EVIL, 0)).toThrow(/rule 'nested-a' took longer than 50 ms/);
    expect(rule.find("aaaa", 0)).toHaveLength(1);
  });
});
