/**
 * Issue 10 §7: the same secret gets the same policy in every action.
 * secrets-rds-drift registered `dbname` and 2-3 character values with
 * core.setSecret (blanking the service's own name across the job log) while
 * evidence-mask treated them as not secret. Both now follow src/lib/secret-policy.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planSecrets } from "../../src/actions/evidence-mask/secrets";
import { DEFAULT_KEY_MAP, parseSecretString, sensitiveValues } from "../../src/actions/secrets-rds-drift/secret";
import { classifyField, logMaskValues, MIN_MASKABLE_LENGTH } from "../../src/lib/secret-policy";
import {
  everythingVisible,
  HOST,
  PASSWORD,
  scenario,
  secretValue,
  USERNAME,
} from "../actions/secrets-rds-drift/scenario";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { errors, runBundle } from "../harness/runner";

const SECRET = secretValue({ schema: "app" });

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.stop());

describe("one secret policy for secrets-rds-drift and evidence-mask", () => {
  it("drift registers the password, user and host with the log masker, not the db name, port, engine or a 3-character value", async () => {
    await emu.emulator.reset();
    await emu.emulator.loadScenario(scenario({ secret: SECRET }));
    const r = await runBundle("secrets-rds-drift", {
      inputs: { "secret-id": "papyrus/prd/db", comment: "false" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code, errors(r).join("\n")).toBe(0);
    expect(r.masked).toEqual(expect.arrayContaining([PASSWORD, USERNAME, HOST]));
    for (const notSecret of ["papyrus", "5432", "postgres", "app"]) expect(r.masked).not.toContain(notSecret);
    expect(r.masked.every((m) => m.length >= MIN_MASKABLE_LENGTH)).toBe(true);
  });

  it("evidence-mask keeps the db name in evidence and fails on the same 3-character field it cannot mask", async () => {
    await emu.emulator.reset();
    await emu.emulator.loadScenario(scenario({ secret: SECRET }));
    const ws = mkdtempSync(join(tmpdir(), "sec-policy-"));
    mkdirSync(join(ws, "evidence"));
    writeFileSync(join(ws, "evidence/app.log"), `connected to papyrus as ${USERNAME} with ${PASSWORD}\n`);
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { "secret-ids": "papyrus/prd/db" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code).toBe(1);
    expect(readFileSync(join(ws, "evidence/app.log"), "utf8")).toBe("connected to papyrus as **** with ****\n");
    expect(errors(r).join("\n")).toContain("secret 'papyrus/prd/db' field 'schema': shorter than 4 characters");
    for (const notSecret of ["papyrus", "5432", "postgres", "app"]) expect(r.masked).not.toContain(notSecret);
  });

  it("a password too short to mask: both fail naming the field, and neither prints it", async () => {
    const short = secretValue({ password: "q7x" });
    await emu.emulator.reset();
    await emu.emulator.loadScenario(scenario({ secret: short }));
    const drift = await runBundle("secrets-rds-drift", {
      inputs: { "secret-id": "papyrus/prd/db", comment: "false", "connect-check": "true" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(drift.code).toBe(1);
    expect(errors(drift).join("\n")).toContain("secret 'papyrus/prd/db' field 'password': shorter than 4 characters");
    expect(everythingVisible(drift)).not.toContain("q7x");

    const ws = mkdtempSync(join(tmpdir(), "sec-policy-"));
    mkdirSync(join(ws, "evidence"));
    writeFileSync(join(ws, "evidence/app.log"), `connected to papyrus as ${USERNAME}\n`);
    const mask = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { "secret-ids": "papyrus/prd/db" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(mask.code).toBe(1);
    expect(errors(mask).join("\n")).toContain("secret 'papyrus/prd/db' field 'password': shorter than 4 characters");
    expect(everythingVisible(mask)).not.toContain("q7x");
  });

  it("both read the same classification from src/lib", () => {
    const text = JSON.stringify(SECRET);
    const plan = planSecrets([{ id: "s", secretString: text }]);
    const drift = logMaskValues(text);
    expect(drift.sort()).toEqual([...plan.evidence, ...plan.logOnly].sort());
    // What drift registers and redacts (its own key map's engine/port/dbname keys public) is the same list.
    const sensitive = sensitiveValues(text, DEFAULT_KEY_MAP, parseSecretString(text, "s", DEFAULT_KEY_MAP));
    expect(sensitive.sort()).toEqual([...plan.evidence, ...plan.logOnly].sort());
    expect(plan.unmaskable).toEqual([{ secretId: "s", field: "schema" }]);
    expect(["dbname", "DBName", "port", "engine", "dbInstanceIdentifier"].map((k) => classifyField(k))).toEqual(
      Array(5).fill("public"),
    );
    expect(classifyField("host")).toBe("identifying");
    expect(classifyField("password")).toBe("secret");
    expect(classifyField("api_token")).toBe("secret");
  });
});
