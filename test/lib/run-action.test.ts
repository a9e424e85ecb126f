import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { destroyFromState } from "../../src/actions/ephemeral-alb/destroy";
import { deregisterFromState } from "../../src/actions/register-fargate-targets/deregister";
import { memoryState, parseVersioned } from "../../src/lib/saved-state";
import { fakeDeps } from "../harness/fake-deps";
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

describe("the seam's versioned state store", () => {
  it("gives back what was saved, nothing when nothing was, and refuses a version it does not read", () => {
    const store = memoryState();
    expect(store.load("k", 1)).toBeUndefined();
    store.save("k", { version: 1, region: "us-west-2" });
    expect(store.load<{ version: 1; region: string }>("k", 1)).toEqual({ version: 1, region: "us-west-2" });
    expect(() => store.load("k", 2)).toThrow(
      /^the saved state 'k' has version 1, but this step reads version 2: main and post steps of different releases/,
    );
    expect(() => parseVersioned("k", '{"region":"x"}', 1)).toThrow(
      /has version undefined, but this step reads version 1/,
    );
    expect(() => parseVersioned("k", "{not json", 1)).toThrow(/the saved state 'k' is not JSON/);
  });

  it("both post steps fail clearly on a state of an unknown version, before any AWS call", async () => {
    const alb = fakeDeps();
    alb.state.save("alb-state", { version: 2 });
    const albClients = () => {
      throw new Error("no AWS call expected");
    };
    await expect(destroyFromState({ ...alb, clients: albClients })).rejects.toThrow(
      /the saved state 'alb-state' has version 2, but this step reads version 1/,
    );
    const reg = fakeDeps();
    reg.state.save("registered-targets", { version: 7 });
    await expect(deregisterFromState({ ...reg, elb: albClients })).rejects.toThrow(
      /the saved state 'registered-targets' has version 7, but this step reads version 1/,
    );
    expect([...alb.lines, ...reg.lines]).toEqual([]);
  });
});
