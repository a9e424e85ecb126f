import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import { errors, runBundle, startBundle } from "../../harness/runner";
import {
  ACCESS_KEY_ID,
  API_SECRET,
  bigLog,
  CALLER_ACCOUNT,
  DB_PASSWORD,
  FALSE_POSITIVES,
  PLANTED,
  plantedIn,
  writeCorpus,
} from "./corpus";

const TEMP = ".evidence-mask.tmp";

function workspace(): string {
  return mkdtempSync(join(tmpdir(), "mask-ws-"));
}

function read(ws: string, rel: string): string {
  return readFileSync(join(ws, rel), "utf8");
}

/** Every file under a directory, relative, sorted. */
function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

const corpusInputs = {
  "secret-values": `${DB_PASSWORD}\n${API_SECRET}`,
  "account-ids": CALLER_ACCOUNT,
};

describe("evidence-mask end to end", () => {
  it("masks the planted-secret corpus: nothing planted is left, look-alikes untouched, report and summary hold no value", async () => {
    const ws = workspace();
    const written = writeCorpus(ws);
    const falsePositivesBefore = read(ws, "evidence/20251105_063210_false_positives.log");
    const fpMtime = statSync(join(ws, "evidence/20251105_063210_false_positives.log")).mtimeMs;
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: corpusInputs,
      env: { ECS_ALB_SMOKE_MASK_CHUNK_BYTES: "4093" },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.result).toBe("masked");
    expect(Number(r.outputs["masked-count"])).toBeGreaterThan(50);
    for (const rel of written) expect(plantedIn(read(ws, rel)), rel).toEqual([]);
    expect(read(ws, "evidence/20251105_063210_false_positives.log")).toBe(falsePositivesBefore);
    expect(statSync(join(ws, "evidence/20251105_063210_false_positives.log")).mtimeMs).toBe(fpMtime);
    for (const fp of FALSE_POSITIVES) expect(falsePositivesBefore).toContain(fp);
    expect(read(ws, "evidence/20251105_063210_describe_db_instances.json")).toContain(
      "****.****.us-west-2.rds.amazonaws.com",
    );
    expect(read(ws, "evidence/20251105_063210_describe_db_instances.json")).toContain(
      "arn:aws:rds:us-west-2:************:db:papyrus-db",
    );

    const reportPath = r.outputs.report as string;
    expect(reportPath).toMatch(/evidence\/\d{8}_\d{6}_mask_report\.json$/);
    const reportText = readFileSync(reportPath, "utf8");
    const report = JSON.parse(reportText);
    expect(report).toMatchObject({ mode: "mask-and-verify", result: "masked", remainingCount: 0 });
    const tf = report.files.find((f: { path: string }) => f.path === "evidence/terraform.tfstate.json");
    expect(tf.masked).toMatchObject({ "secret-value": expect.any(Number), "account-id": 1, "rds-endpoint": 1 });
    for (const text of [reportText, r.summary, ...errors(r)]) expect(plantedIn(text)).toEqual([]);
    expect(r.summary).toContain("| `evidence/terraform.tfstate.json` | secret-value |");
    // Every value found is masked in the job log too; multi-line values line by line, never short pieces.
    expect(r.masked).toContain(DB_PASSWORD);
    expect(r.masked).toContain(ACCESS_KEY_ID);
    expect(r.masked.every((m) => m.length >= 3 && !m.includes("\n"))).toBe(true);

    // Idempotent: a second run finds nothing and rewrites nothing.
    const again = await runBundle("evidence-mask", { workspace: ws, inputs: corpusInputs });
    expect(again.code).toBe(0);
    expect(again.outputs).toMatchObject({ result: "clean", "masked-count": "0" });
  });

  it("verify fails on an unmasked file, naming file, line and rule but never the value, and changes nothing", async () => {
    const ws = workspace();
    writeCorpus(ws, {
      "evidence/20251105_063210_healthz.log": () => `HTTP/1.1 200 OK\nfine\nkey ${ACCESS_KEY_ID}\n`,
      "evidence/ok.log": () => "nothing here\n",
    });
    const before = read(ws, "evidence/20251105_063210_healthz.log");
    const r = await runBundle("evidence-mask", { workspace: ws, inputs: { mode: "verify" } });
    expect(r.code).toBe(1);
    expect(r.outputs.result).toBe("failed");
    const annotation = r.annotations.find((a) => a.level === "error" && a.file);
    expect(annotation).toMatchObject({ file: "evidence/20251105_063210_healthz.log", line: 3 });
    expect(annotation?.message).toContain("aws-access-key-id");
    const failure = errors(r).find((e) => e.startsWith("Verification found"));
    expect(failure).toContain("evidence/20251105_063210_healthz.log:3");
    for (const text of [...errors(r), r.summary, readFileSync(r.outputs.report as string, "utf8")]) {
      expect(text).not.toContain(ACCESS_KEY_ID);
    }
    expect(read(ws, "evidence/20251105_063210_healthz.log")).toBe(before);
  });

  it("reports a binary file, leaves it byte for byte, and fails because it holds a secret", async () => {
    const ws = workspace();
    writeCorpus(ws, { "evidence/a.log": () => `Authorization: Bearer ${"x1".repeat(10)}\n` });
    const blob = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]),
      Buffer.from(` ${ACCESS_KEY_ID} `),
    ]);
    writeFileSync(join(ws, "evidence/shot.png"), blob);
    writeFileSync(join(ws, "evidence/clean.bin"), Buffer.from([0, 1, 2, 3, 4]));
    const r = await runBundle("evidence-mask", { workspace: ws, inputs: { mode: "mask" } });
    expect(r.code).toBe(1);
    expect(readFileSync(join(ws, "evidence/shot.png"))).toEqual(blob);
    expect(read(ws, "evidence/a.log")).toBe("Authorization: ****\n");
    expect(errors(r).join("\n")).toMatch(
      /evidence\/shot\.png:1: binary file holds 1 value\(s\) matched by rule 'aws-access-key-id'/,
    );
    expect(errors(r).join("\n")).not.toContain("clean.bin");
    expect(r.summary).toContain("`evidence/shot.png` (binary)");
  });

  it.each([
    [{ "custom-rules": "- name: ticket\n  regex: 'TKT-(\\d+'\n" }, "custom-rules", /rule 'ticket': invalid regex/],
    [{ rules: "account-id\nssn" }, "rules", /unknown rule 'ssn'/],
    [{ path: "does-not-exist/**", "if-no-files-found": "error" }, "path", /matched no files/],
    [{ "if-no-files-found": "fail" }, "if-no-files-found", /must be one of 'warn', 'error', 'ignore'/],
    [{ "include-hidden-files": "yes" }, "include-hidden-files", /must be true or false/],
    [{ "account-ids": "12345" }, "account-ids", /not a 12-digit/],
    [{ mode: "scrub" }, "mode", /must be one of/],
    [{ "secret-values": "abc" }, "secret-values", /line 1 is shorter than 4 characters/],
    [{ "artifact-name": "a/b" }, "artifact-name", /character artifact names may not have/],
  ])("rejects bad input %o naming the input and touching nothing", async (inputs, input, problem) => {
    const ws = workspace();
    writeCorpus(ws, { "evidence/a.log": () => `key ${ACCESS_KEY_ID}\n` });
    const r = await runBundle("evidence-mask", { workspace: ws, inputs });
    expect(r.code).toBe(1);
    const message = errors(r).join("\n");
    expect(message).toContain(`Input '${input}'`);
    expect(message).toMatch(problem);
    expect(read(ws, "evidence/a.log")).toBe(`key ${ACCESS_KEY_ID}\n`);
    expect(listFiles(join(ws, "evidence"))).toEqual(["a.log"]);
  });

  it("applies custom rules with their replacement", async () => {
    const ws = workspace();
    writeCorpus(ws, { "evidence/a.log": () => "ticket TKT-12345 opened\n" });
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { "custom-rules": "- name: ticket\n  regex: 'TKT-(\\d+)'\n  replacement: 'TKT-#'\n" },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(read(ws, "evidence/a.log")).toBe("ticket TKT-# opened\n");
    expect(JSON.parse(readFileSync(r.outputs.report as string, "utf8")).totals.masked).toEqual({ ticket: 1 });
  });

  it("a process killed mid-rewrite leaves every file original or fully masked; the next run finishes the job", async () => {
    const files: Record<string, () => string> = {};
    for (let i = 0; i < 4; i++) files[`evidence/part${i}.log`] = () => bigLog(48_000 + i * 1000);
    const reference = workspace();
    writeCorpus(reference, files);
    const done = await runBundle("evidence-mask", { workspace: reference, inputs: corpusInputs });
    expect(done.code).toBe(0);

    const ws = workspace();
    writeCorpus(ws, files);
    const originals = Object.fromEntries(Object.keys(files).map((f) => [f, read(ws, f)]));
    const step = startBundle("evidence-mask", {
      workspace: ws,
      inputs: corpusInputs,
      env: { ECS_ALB_SMOKE_MASK_CHUNK_BYTES: "2048", ECS_ALB_SMOKE_MASK_TEST_PAUSE_MS: "25" },
    });
    // Kill as soon as a rewrite is under way (its temp file exists).
    let sawTemp = false;
    for (let i = 0; i < 600 && !sawTemp; i++) {
      await new Promise((r) => setTimeout(r, 10));
      sawTemp = listFiles(join(ws, "evidence")).some((f) => f.endsWith(TEMP));
    }
    step.child.kill("SIGKILL");
    const killed = await step.result;
    expect(sawTemp).toBe(true);
    expect(killed.signal).toBe("SIGKILL");

    let masked = 0;
    for (const rel of Object.keys(files)) {
      const now = read(ws, rel);
      const complete = read(reference, rel);
      expect(now === originals[rel] || now === complete, rel).toBe(true);
      if (now === complete) masked++;
    }
    expect(masked).toBeLessThan(Object.keys(files).length);

    const rerun = await runBundle("evidence-mask", { workspace: ws, inputs: corpusInputs });
    expect(rerun.code, rerun.stdout).toBe(0);
    expect(rerun.stdout).toMatch(/left behind by an interrupted run/);
    for (const rel of Object.keys(files)) expect(read(ws, rel)).toBe(read(reference, rel));
    expect(listFiles(join(ws, "evidence")).filter((f) => f.endsWith(TEMP))).toEqual([]);
  });
});

describe("evidence-mask with Secrets Manager and STS (emulator)", () => {
  let emu: RunningEmulator;
  const dbSecret = {
    username: "papyrus_app",
    password: DB_PASSWORD,
    host: "papyrus-db.c9akciq32xyz.us-west-2.rds.amazonaws.com",
    port: 5432,
    engine: "postgres",
    dbname: "papyrus",
    dbInstanceIdentifier: "papyrus-db",
  };
  beforeAll(async () => {
    emu = await startEmulator({
      scenario: {
        secretsmanager: {
          secrets: [
            { name: "papyrus/db", value: dbSecret },
            { name: "papyrus/api-key", value: API_SECRET },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it("masks every field value of the secrets and the caller's account, but not port, engine or db name", async () => {
    const ws = workspace();
    const written = writeCorpus(ws);
    const extra = [
      `{"owner":"${emu.emulator.account}","port":5432,"engine":"postgres","db":"papyrus"}`,
      `user ${dbSecret.username} connected`,
    ].join("\n");
    writeFileSync(join(ws, "evidence/extra.log"), extra);
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { "secret-ids": "papyrus/db\npapyrus/api-key", "account-ids": CALLER_ACCOUNT },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const rel of written) expect(plantedIn(read(ws, rel)), rel).toEqual([]);
    expect(read(ws, "evidence/extra.log")).toBe(
      '{"owner":"************","port":5432,"engine":"postgres","db":"papyrus"}\nuser **** connected',
    );
    expect(r.masked).toContain(DB_PASSWORD);
    expect(r.masked).toContain(emu.emulator.account);
    const calls = emu.emulator.requests.map((q) => `${q.service}:${q.action}`);
    expect(calls).toContain("sts:GetCallerIdentity");
    expect(calls.filter((c) => c === "secretsmanager:GetSecretValue")).toHaveLength(2);
  });

  it("fails naming the operation and the secret when a secret does not exist; nothing is masked", async () => {
    const ws = workspace();
    writeCorpus(ws, { "evidence/a.log": () => `key ${ACCESS_KEY_ID}\n` });
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { "secret-ids": "papyrus/missing" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code).toBe(1);
    expect(errors(r).join("\n")).toMatch(
      /secretsmanager:GetSecretValue \(papyrus\/missing\) failed: ResourceNotFoundException/,
    );
    expect(read(ws, "evidence/a.log")).toBe(`key ${ACCESS_KEY_ID}\n`);
  });

  it("without reachable credentials the caller's account is skipped with a log line, not a failure", async () => {
    const ws = workspace();
    const copy = mkdtempSync(join(tmpdir(), "mask-src-"));
    writeCorpus(copy, { "evidence/a.log": () => `arn:aws:iam::${CALLER_ACCOUNT}:role/x\n` });
    cpSync(join(copy, "evidence"), join(ws, "evidence"), { recursive: true });
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      env: { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_MAX_ATTEMPTS: "1" },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/Could not read the caller's account ID .*only account IDs in ARNs/);
    expect(read(ws, "evidence/a.log")).toBe("arn:aws:iam::************:role/x\n");
    expect(existsSync(r.outputs.report as string)).toBe(true);
    expect(PLANTED).toContain(CALLER_ACCOUNT);
  });
});
