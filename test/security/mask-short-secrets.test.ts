/**
 * Issue 10 §1: secret field values shorter than `min-secret-length` were
 * dropped silently (a 5-character password stayed in clear). A password-like
 * field is masked however short; under 4 characters it cannot be masked
 * without destroying the evidence, so the step fails naming the secret and the
 * field, never the value, and uploads nothing.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { type RunningArtifactService, startArtifactService } from "../fakes/artifact-service";
import { errors, runBundle } from "../harness/runner";

const FIVE = "Qz7#k";
const THREE = "q7~";

let emu: RunningEmulator;
let artifacts: RunningArtifactService;
beforeAll(async () => {
  artifacts = await startArtifactService();
  emu = await startEmulator({
    scenario: {
      secretsmanager: {
        secrets: [
          { name: "papyrus/five", value: { username: "papyrus_app", password: FIVE, dbname: "papyrus", port: 5432 } },
          { name: "papyrus/three", value: { username: "papyrus_app", password: THREE, dbname: "papyrus" } },
        ],
      },
    },
  });
});
afterAll(async () => {
  await emu?.stop();
  await artifacts?.stop();
});

function workspace(text: string): string {
  const ws = mkdtempSync(join(tmpdir(), "sec-short-"));
  mkdirSync(join(ws, "evidence"));
  writeFileSync(join(ws, "evidence/app.log"), text);
  return ws;
}

describe("evidence-mask: short secret values (bundle, emulator)", () => {
  it("masks a 5-character password (min-secret-length 6 no longer drops it) and leaves the db name", async () => {
    const ws = workspace(`login papyrus_app/${FIVE} db papyrus port 5432\n`);
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { "secret-ids": "papyrus/five" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(ws, "evidence/app.log"), "utf8")).toBe("login ****/**** db papyrus port 5432\n");
    expect(r.masked).toContain(FIVE);
    expect(r.masked).not.toContain("papyrus");
  });

  it("fails on a 3-character password, naming secret and field but never the value; nothing is uploaded", async () => {
    const ws = workspace(`login papyrus_app/${THREE}\n`);
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { "secret-ids": "papyrus/three", "artifact-name": "short-evidence" },
      env: { AWS_ENDPOINT_URL: emu.endpoint, ...artifacts.env },
    });
    expect(r.code).toBe(1);
    expect(r.outputs.result).toBe("failed");
    const message = errors(r).join("\n");
    expect(message).toContain("secret 'papyrus/three' field 'password': shorter than 4 characters");
    expect(message).toMatch(/Rotate the secret to a longer value/);
    expect(message).toContain("Nothing was uploaded");
    const report = JSON.parse(readFileSync(r.outputs.report as string, "utf8"));
    expect(report.unmaskable).toEqual([{ secretId: "papyrus/three", field: "password" }]);
    const visible = [r.stdout.replace(/^::add-mask::.*$/gm, ""), r.stderr, r.summary, JSON.stringify(report)];
    for (const text of visible) expect(text).not.toContain(THREE);
    expect(artifacts.uploads().filter((u) => u.name === "short-evidence")).toEqual([]);
    expect(r.masked).not.toContain(THREE);
  });

  it("refuses a literal secret-values line under 4 characters by line number, without echoing it", async () => {
    const ws = workspace("nothing\n");
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { "secret-values": `long-enough-value\n${THREE}` },
    });
    expect(r.code).toBe(1);
    const message = errors(r).join("\n");
    expect(message).toMatch(/Input 'secret-values'.*line 2 is shorter than 4 characters/);
    expect(r.stdout.replace(/^::add-mask::.*$/gm, "")).not.toContain(THREE);
  });
});
