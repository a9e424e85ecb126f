/**
 * `npm run demo` end to end, as a person runs it: a separate process, the
 * whole alb-smoke cycle and the preflight on the embedded default.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../harness/runner";

function demo(args: string[]) {
  const evidence = mkdtempSync(join(tmpdir(), "demo-ev-"));
  const out = mkdtempSync(join(tmpdir(), "demo-out-"));
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", join(ROOT, "scripts/demo.ts"), "--evidence-dir", evidence, "--out-dir", out, ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 150_000,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    },
  );
  const files = existsSync(evidence) ? readdirSync(evidence).sort() : [];
  const read = (f: string) => readFileSync(join(evidence, f), "utf8");
  const allEvidence = files.map(read).join("\n");
  return { run, files, out, allEvidence, read };
}

describe("npm run demo", () => {
  it("runs create -> register -> probe -> mask -> destroy on the embedded default and exits 0", () => {
    const { run, files, out, allEvidence, read } = demo([]);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const kinds = files.map((f) => f.replace(/^\d{8}_\d{6}_/, ""));
    for (const kind of [
      "healthz.log",
      "healthz_json_line.log",
      "dbcheck.log",
      "dbcheck_json_line.log",
      "probe_summary.json",
      "listeners.json",
      "tg_health.json",
      "tasks.json",
      "alb_resources.json",
    ]) {
      expect(kinds, `evidence files: ${files.join(", ")}`).toContain(kind);
    }
    const dbcheck = read(files.find((f) => f.endsWith("_dbcheck.log")) as string);
    expect(dbcheck).toMatch(/^HTTP\/1\.1 200/);
    expect(dbcheck).toContain('"inserted":true');
    // Masked before anything left the runner: no account id, no RDS endpoint.
    expect(allEvidence).not.toMatch(/123456789012/);
    expect(allEvidence).not.toMatch(/papyrus-prd\.c9akciq32xyz/);
    expect(JSON.parse(readFileSync(join(out, "emulator-leftovers.json"), "utf8"))).toEqual({});
    expect(readFileSync(join(out, "pr-comment.md"), "utf8")).toMatch(/ecs-alb-smoke:iam-simulate-preflight/);
    expect(run.stdout).toMatch(/PASS in/);
  });

  it("--broken fails fast with the reason, still writes evidence, and destroys everything", () => {
    const { run, files, out } = demo(["--broken"]);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(run.stdout).toMatch(/Target\.ResponseCodeMismatch/);
    expect(files.some((f) => f.endsWith("_tg_health.json"))).toBe(true);
    expect(files.some((f) => f.endsWith("_healthz.log"))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, "emulator-leftovers.json"), "utf8"))).toEqual({});
    expect(run.stdout).toMatch(/FAIL in/);
  });
});
