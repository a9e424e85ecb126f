import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { type RunResult, runBundle } from "../../harness/runner";

/** Runs the committed bundle; `prepare` may put files in the fresh workspace first. */
export function probe(
  inputs: Record<string, string | number | boolean>,
  prepare?: (workspace: string) => void,
): Promise<RunResult> {
  const workspace = mkdtempSync(join(tmpdir(), "probe-ws-"));
  prepare?.(workspace);
  return runBundle("http-evidence-probe", { inputs, workspace, timeoutMs: 60_000 });
}

/** The evidence files of a run, by their kind (`healthz.log`, `healthz_json_line.log`, `probe_summary.json`). */
export function evidence(result: RunResult, dir = "evidence"): Record<string, string> {
  const path = join(result.workspace, dir);
  const out: Record<string, string> = {};
  if (!existsSync(path)) return out;
  for (const f of readdirSync(path)) {
    const m = /^\d{8}_\d{6}_(.+)$/.exec(f);
    expect(m, `evidence file name ${f}`).not.toBeNull();
    out[(m as RegExpExecArray)[1] as string] = readFileSync(join(path, f), "latin1");
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON evidence, asserted field by field
export function jsonLine(result: RunResult, name: string): any {
  const text = evidence(result)[`${name}_json_line.log`];
  expect(text, `${name}_json_line.log`).toBeDefined();
  const lines = (text as string).split("\n").filter((l) => l !== "");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] as string);
}

// biome-ignore lint/suspicious/noExplicitAny: the report output
export function report(result: RunResult): any {
  return JSON.parse(result.outputs.report ?? "null");
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** A user mistake: exit 1, the message names the input, no stack trace, nothing written. */
export function expectInputError(result: RunResult, input: string): void {
  expect(result.code).toBe(1);
  const errors = result.annotations.filter((a) => a.level === "error").map((a) => a.message);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(`Input '${input}'`);
  expect(result.stdout + result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(existsSync(join(result.workspace, "evidence"))).toBe(false);
}
