/**
 * `npm run demo` end to end, as a person runs it: a separate process, the
 * whole alb-smoke cycle and the preflight on the embedded default.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../harness/runner";

/**
 * Runs the demo as a separate process without blocking this worker: a spawnSync of a minute starves
 * vitest's worker RPC ("Timeout calling onTaskUpdate") on a loaded machine.
 */
async function demo(args: string[]) {
  const evidence = mkdtempSync(join(tmpdir(), "demo-ev-"));
  const out = mkdtempSync(join(tmpdir(), "demo-out-"));
  const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "scripts/demo.ts"), "--evidence-dir", evidence, "--out-dir", out, ...args],
      { cwd: ROOT, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
  const files = existsSync(evidence) ? readdirSync(evidence).sort() : [];
  const read = (f: string) => readFileSync(join(evidence, f), "utf8");
  const allEvidence = files.map(read).join("\n");
  return { run, files, out, allEvidence, read };
}

describe("npm run demo", () => {
  it("runs create -> register -> probe -> mask -> destroy on the embedded default and exits 0", async () => {
    const { run, files, out, allEvidence, read } = await demo([]);
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
      "cloudwatch_healthz.json",
      "cloudwatch_dbcheck.json",
      "alb_destroy.json",
    ]) {
      expect(kinds, `evidence files: ${files.join(", ")}`).toContain(kind);
    }
    const dbcheck = read(files.find((f) => f.endsWith("_dbcheck.log")) as string);
    expect(dbcheck).toMatch(/^HTTP\/1\.1 200/);
    expect(dbcheck).toContain('"inserted":true');
    // Server-side evidence: the app's own log line for each probe, from the task that answered it.
    for (const probe of ["healthz", "dbcheck"]) {
      const cw = JSON.parse(read(files.find((f) => f.endsWith(`_cloudwatch_${probe}.json`)) as string));
      expect(cw.events.length, `cloudwatch_${probe}.json`).toBeGreaterThan(0);
      const line = JSON.parse(read(files.find((f) => f.endsWith(`_${probe}_json_line.log`)) as string));
      expect(line.log).toMatchObject({ group: "/ecs/papyrus", matched_by: "request-id" });
      expect(line.log.answered_by.task_id).toMatch(/^[0-9a-f]{32}$/);
      expect(cw.events.map((e: { logStreamName: string }) => e.logStreamName)).toContain(
        `app/papyrus-app/${line.log.answered_by.task_id}`,
      );
      for (const e of cw.events) {
        const entry = JSON.parse(e.message);
        expect(entry.route).toBe(`/${probe}`);
        expect(line.log.request_ids).toContain(entry.request_id);
      }
    }
    // Proof of the teardown inside the artifact: every resource deleted, and a Describe by its ID shows it gone.
    const destroyed = JSON.parse(read(files.find((f) => f.endsWith("_alb_destroy.json")) as string));
    expect(destroyed.cycles.map((c: { status: string }) => c.status)).toEqual(["destroyed"]);
    const proofs = destroyed.cycles[0].resources as {
      resource: string;
      delete: { outcome: string };
      describe: { answer: { code?: string } };
      gone: boolean;
    }[];
    expect(proofs.map((p) => p.resource).sort()).toEqual([
      "listener",
      "load balancer",
      "security group",
      "target group",
      "task ingress rule",
    ]);
    for (const p of proofs) {
      expect(p, p.resource).toMatchObject({ delete: { outcome: "deleted" }, gone: true });
      expect(p.describe.answer.code, p.resource).toMatch(/NotFound$/);
    }
    const dbcheckLog = JSON.parse(read(files.find((f) => f.endsWith("_cloudwatch_dbcheck.json")) as string));
    expect(JSON.parse(dbcheckLog.events.at(-1).message).status).toBe(200);
    // Masked before anything left the runner: no account id, no RDS endpoint.
    expect(allEvidence).not.toMatch(/123456789012/);
    expect(allEvidence).not.toMatch(/papyrus-prd\.c9akciq32xyz/);
    expect(JSON.parse(readFileSync(join(out, "emulator-leftovers.json"), "utf8"))).toEqual({});
    expect(readFileSync(join(out, "pr-comment.md"), "utf8")).toMatch(/ecs-alb-smoke:iam-simulate-preflight/);
    expect(run.stdout).toMatch(/PASS in/);
  });

  it("--cli: the same cycle through ecs-alb-smoke smoke, its terminal output shown, the workflow's evidence kinds", async () => {
    const { run, files, out } = await demo(["--cli"]);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain("ecs-alb-smoke smoke (the command line)");
    expect(run.stdout).toMatch(/^ {2}\| \[ *\d+\.\ds\] Creating the temporary ALB …$/m);
    expect(run.stdout).toMatch(/^ {2}\| smoke: PASS in /m);
    const kinds = files.map((f) => f.replace(/^\d{8}_\d{6}_/, "")).sort();
    for (const kind of [
      "iam_preflight.json",
      "alb_resources.json",
      "tg_health.json",
      "dbcheck.log",
      "alb_destroy.json",
    ])
      expect(kinds).toContain(kind);
    expect(kinds).toContain("mask_report.json");
    expect(JSON.parse(readFileSync(join(out, "emulator-leftovers.json"), "utf8"))).toEqual({});
    expect(run.stdout).toMatch(/PASS in/);
  });

  it("--https: the probes go over HTTPS to the ALB's HTTPS listener, and their JSON lines hold the TLS facts", async () => {
    const { run, files, out, read } = await demo(["--https"]);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    for (const probe of ["healthz", "dbcheck"]) {
      const line = JSON.parse(read(files.find((f) => f.endsWith(`_${probe}_json_line.log`)) as string));
      expect(line).toMatchObject({ result: "pass", status: 200, url: `https://papyrus.smoke.test:18443/${probe}` });
      expect(line.tls).toMatchObject({
        version: "TLSv1.3",
        cipher: expect.stringMatching(/^TLS_/),
        subject: "CN=papyrus.smoke.test",
        issuer: "CN=ecs-alb-smoke test CA",
        valid_to: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
        verified: true,
      });
    }
    const listeners = JSON.parse(read(files.find((f) => f.endsWith("_listeners.json")) as string));
    expect(listeners.map((l: { Protocol: string; Port: number }) => `${l.Protocol}:${l.Port}`)).toEqual([
      "HTTP:18080",
      "HTTPS:18443",
    ]);
    const resources = JSON.parse(read(files.find((f) => f.endsWith("_alb_resources.json")) as string));
    expect(resources.httpsListener).toMatchObject({
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificate: { domainName: "papyrus.smoke.test", status: "ISSUED" },
    });
    expect(JSON.parse(readFileSync(join(out, "emulator-leftovers.json"), "utf8"))).toEqual({});
    expect(run.stdout).toMatch(/PASS in/);
  });

  it("--broken fails fast with the reason, still writes evidence, and destroys everything", async () => {
    const { run, files, out } = await demo(["--broken"]);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(run.stdout).toMatch(/Target\.ResponseCodeMismatch/);
    expect(files.some((f) => f.endsWith("_tg_health.json"))).toBe(true);
    expect(files.some((f) => f.endsWith("_healthz.log"))).toBe(true);
    expect(files.some((f) => f.endsWith("_alb_destroy.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, "emulator-leftovers.json"), "utf8"))).toEqual({});
    expect(run.stdout).toMatch(/FAIL in/);
  });
});
