import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../harness/runner";

/** Runs a tiny entry point through tsx, as a bundle would run, and returns what the runner sees. */
function runEntry(body: string) {
  const dir = mkdtempSync(join(tmpdir(), "run-action-"));
  const file = join(dir, "entry.mts");
  writeFileSync(
    file,
    `import { ConfigurationError } from "${ROOT}/src/lib/errors";\nimport { runAction } from "${ROOT}/src/lib/run-action";\n${body}\n`,
  );
  const out = join(dir, "output");
  writeFileSync(out, "");
  return spawnSync(process.execPath, ["--import", "tsx", file], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", GITHUB_OUTPUT: out, INPUT_NAME: "x" },
    timeout: 30_000,
  });
}

describe("runAction", () => {
  it("reports a user mistake as a plain ::error:: without a stack", () => {
    const r = runEntry(
      `runAction("demo", () => { throw new ConfigurationError("Input 'name': bad."); }, async () => ({ outputs: {} }));`,
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error::Input 'name': bad.");
    expect(r.stdout).not.toMatch(/at .*entry\.mts/);
  });

  it("reports a bug with the step name, and its stack only in the debug log", () => {
    const r = runEntry(`runAction("demo", () => ({}), async () => { throw new TypeError("boom"); });`);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error::demo: boom");
    expect(r.stdout).toMatch(/::debug::TypeError: boom/);
  });

  it("reports a rejection nobody awaited instead of dying silently", () => {
    const r = runEntry(
      `runAction("demo", () => ({}), async () => { void Promise.reject(new Error("stray socket error")); await new Promise((res) => setTimeout(res, 50)); return { outputs: {} }; });`,
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error::demo: stray socket error");
  });
});
