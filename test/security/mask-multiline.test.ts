/**
 * Issue 10 §1: a multi-line secret (a PEM key, a netrc-style file, a value with
 * `\n`) was masked only as a whole; one line of it copied into a log stayed in
 * the evidence while the step reported success. Every line long enough to be a
 * secret is masked on its own, through the bundle, as the runner runs it.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { runBundle } from "../harness/runner";

const PEM_BODY = [
  "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC7VJTUt9Us8cKj",
  "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu",
  "NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ",
];
const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY.join("\n")}\n-----END PRIVATE KEY-----\n`;
const NETRC =
  "machine db.internal login papyrus_app password Line-One-Pass\nmachine api.internal login bot password Line-Two-Pass\n";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    scenario: {
      secretsmanager: {
        secrets: [
          { name: "papyrus/tls-key", value: PEM },
          { name: "papyrus/netrc", value: NETRC },
        ],
      },
    },
  });
});
afterAll(async () => {
  await emu?.stop();
});

describe("evidence-mask: multi-line secrets (bundle, emulator)", () => {
  it("masks each line of a multi-line secret found alone, also JSON-escaped, and keeps the PEM armour lines", async () => {
    const ws = mkdtempSync(join(tmpdir(), "sec-ml-"));
    mkdirSync(join(ws, "evidence"));
    const netrcLine = "machine api.internal login bot password Line-Two-Pass";
    const evidence = [
      `debug: loaded key line ${PEM_BODY[1]}`,
      `{"log":"  ${PEM_BODY[2]}\\n"}`,
      `cat ~/.netrc | tail -1: ${netrcLine}`,
      JSON.stringify({ message: netrcLine }),
      "footer seen: -----END PRIVATE KEY-----",
    ].join("\n");
    writeFileSync(join(ws, "evidence/app.log"), evidence);
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { "secret-ids": "papyrus/tls-key\npapyrus/netrc" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const masked = readFileSync(join(ws, "evidence/app.log"), "utf8");
    for (const line of [...PEM_BODY, netrcLine, "Line-Two-Pass"]) expect(masked).not.toContain(line);
    expect(masked).toContain("footer seen: -----END PRIVATE KEY-----");
    expect(r.outputs.result).toBe("masked");
    // The job log gets each line too, never the armour or a short piece.
    expect(r.masked).toEqual(expect.arrayContaining([...PEM_BODY, netrcLine]));
    expect(r.masked).not.toContain("-----BEGIN PRIVATE KEY-----");
    expect(r.masked.every((m) => m.length >= 4 && !m.includes("\n"))).toBe(true);
  });

  it("verify alone fails on one unmasked line of a multi-line secret", async () => {
    const ws = mkdtempSync(join(tmpdir(), "sec-ml-"));
    mkdirSync(join(ws, "evidence"));
    writeFileSync(join(ws, "evidence/app.log"), `key ${PEM_BODY[0]}\n`);
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { mode: "verify", "secret-ids": "papyrus/tls-key" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code).toBe(1);
    expect(r.outputs.result).toBe("failed");
    expect(r.stdout.replace(/^::add-mask::.*$/gm, "")).not.toContain(PEM_BODY[0]);
  });
});
