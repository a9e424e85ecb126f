import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILT_IN_RULES } from "../../../src/actions/evidence-mask/engine";
import { readInputs } from "../../../src/actions/evidence-mask/inputs";
import { type MaskDeps, run, secretRegistrar } from "../../../src/actions/evidence-mask/run";
import { fakeDeps as seamDeps } from "../../harness/fake-deps";
import { ACCESS_KEY_ID, CALLER_ACCOUNT } from "./corpus";

const inputsFrom = (values: Record<string, string>) => (name: string) => values[name] ?? "";

function fakeDeps(workspace: string, overrides: Partial<MaskDeps> = {}) {
  const log: string[] = [];
  const secrets: string[] = [];
  const uploads: { name: string; files: string[]; root: string; retentionDays: number | undefined }[] = [];
  let summary = "";
  const seam = seamDeps({ clock: { now: () => Date.parse("2025-11-05T06:32:10Z"), sleep: async () => {} } });
  const deps: MaskDeps = {
    ...seam,
    log: {
      ...seam.log,
      secret: (v) => secrets.push(v),
      info: (m) => log.push(`info ${m}`),
      warning: (m) => log.push(`warning ${m}`),
      error: (m, where) => log.push(`error ${where?.file}:${where?.startLine} ${m}`),
    },
    summary: {
      write: async (md) => {
        summary = md;
        return true;
      },
    },
    workspace,
    callerAccount: async () => ({ account: CALLER_ACCOUNT }),
    fetchSecrets: async () => [],
    uploadArtifact: async (name, files, root, { retentionDays }) => {
      uploads.push({ name, files, root, retentionDays });
      return { id: 77, size: 1, digest: "ab".repeat(32) };
    },
    artifactUrl: (id) => `https://github.com/octo-org/papyrus/actions/runs/1/artifacts/${id}`,
    ...overrides,
  };
  return { deps, log, secrets, uploads, summary: () => summary };
}

describe("readInputs", () => {
  it("applies the defaults", () => {
    const inputs = readInputs(inputsFrom({}), {});
    expect(inputs).toMatchObject({
      patterns: ["evidence/**"],
      rules: [...BUILT_IN_RULES],
      mode: "mask-and-verify",
      minSecretLength: 6,
      artifactName: undefined,
      retentionDays: undefined,
      region: undefined,
    });
  });

  it("reads lists, dashed account IDs and custom rules; requires a region only with secret-ids", () => {
    const inputs = readInputs(
      inputsFrom({
        rules: "jwt, rds-endpoint",
        "account-ids": "1111-2222-3333\n444455556666",
        "custom-rules": "- name: ticket\n  regex: 'tkt-\\d+'\n  flags: i\n",
        "retention-days": "14",
      }),
      {},
    );
    expect(inputs.rules).toEqual(["jwt", "rds-endpoint"]);
    expect(inputs.accountIds).toEqual([CALLER_ACCOUNT, "444455556666"]);
    expect(inputs.customRules[0]?.regex.flags).toBe("i");
    expect(inputs.retentionDays).toBe(14);
    expect(() => readInputs(inputsFrom({ "secret-ids": "papyrus/db" }), {})).toThrow(/Input 'aws-region'/);
    expect(readInputs(inputsFrom({ "secret-ids": "papyrus/db" }), { AWS_REGION: "eu-west-1" }).region).toBe(
      "eu-west-1",
    );
    expect(() => readInputs(inputsFrom({ "custom-rules": "- name: jwt\n  regex: x\n" }), {})).toThrow(/already used/);
    expect(() => readInputs(inputsFrom({ "custom-rules": "- name: e\n  regex: 'a*'\n" }), {})).toThrow(/empty string/);
    expect(() => readInputs(inputsFrom({ "custom-rules": "name: x" }), {})).toThrow(/YAML list/);
  });
});

describe("secretRegistrar", () => {
  it("registers multi-line values line by line, once each, never short pieces nor PEM armour", () => {
    const got: string[] = [];
    const register = secretRegistrar(
      (v) => got.push(v),
      () => undefined,
    );
    register("-----BEGIN KEY-----\nAbCdEf0123\nx\n");
    register("AbCdEf0123");
    register("line1\\nline2");
    register("abc\nabcd");
    // A value on one line with an escaped newline is printed as it is: registered whole, then by piece.
    expect(got).toEqual(["AbCdEf0123", "line1\\nline2", "line1", "line2", "abcd"]);
  });
});

describe("run", () => {
  it("masks, writes the report and summary, masks the caller's account and uploads only after verification", async () => {
    const ws = mkdtempSync(join(tmpdir(), "mask-run-"));
    mkdirSync(join(ws, "evidence"));
    writeFileSync(join(ws, "evidence/a.log"), `owner ${CALLER_ACCOUNT} key ${ACCESS_KEY_ID}\n`);
    const f = fakeDeps(ws);
    const result = await run(readInputs(inputsFrom({ "artifact-name": "ev", "retention-days": "3" }), {}), f.deps);
    expect(result.failure).toBeUndefined();
    expect(result.outputs).toMatchObject({ result: "masked", "masked-count": 2, "artifact-id": "77" });
    expect(readFileSync(join(ws, "evidence/a.log"), "utf8")).toBe("owner ************ key ****\n");
    expect(result.outputs.report).toBe(join(ws, "evidence/20251105_063210_mask_report.json"));
    expect(f.uploads).toEqual([
      {
        name: "ev",
        files: [join(ws, "evidence/a.log"), join(ws, "evidence/20251105_063210_mask_report.json")],
        root: join(ws, "evidence"),
        retentionDays: 3,
      },
    ]);
    expect(f.secrets).toEqual(expect.arrayContaining([CALLER_ACCOUNT, ACCESS_KEY_ID]));
    expect(f.summary()).toContain("| `evidence/a.log` | account-id | 1 | 0 |");
    expect(f.summary()).toContain(
      "Uploaded artifact [`ev`](https://github.com/octo-org/papyrus/actions/runs/1/artifacts/77) (id 77)",
    );
  });

  it("mask-and-verify fails without uploading when the masked bytes still match a rule, naming file and line", async () => {
    const ws = mkdtempSync(join(tmpdir(), "mask-run-"));
    mkdirSync(join(ws, "evidence"));
    writeFileSync(join(ws, "evidence/a.log"), `one\ntwo\nticket tkt-12 key ${ACCESS_KEY_ID}\n`);
    const f = fakeDeps(ws);
    const customRules = "- name: ticket\n  regex: 'tkt-[0-9]+'\n  replacement: tkt-0\n";
    const result = await run(
      readInputs(inputsFrom({ "artifact-name": "ev", "custom-rules": customRules }), {}),
      f.deps,
    );
    expect(result.outputs.result).toBe("failed");
    expect(readFileSync(join(ws, "evidence/a.log"), "utf8")).toBe("one\ntwo\nticket tkt-0 key ****\n");
    expect(result.failure).toMatch(/Verification found 1 value\(s\).*evidence\/a\.log:3.*ticket.*Nothing was uploaded/);
    expect(f.uploads).toEqual([]);
  });

  it("fails without uploading when a binary file holds a secret", async () => {
    const ws = mkdtempSync(join(tmpdir(), "mask-run-"));
    mkdirSync(join(ws, "evidence"));
    writeFileSync(join(ws, "evidence/core.bin"), Buffer.concat([Buffer.from([0, 0]), Buffer.from(ACCESS_KEY_ID)]));
    const f = fakeDeps(ws);
    const result = await run(readInputs(inputsFrom({ "artifact-name": "ev" }), {}), f.deps);
    expect(result.outputs.result).toBe("failed");
    expect(result.failure).toMatch(/evidence\/core\.bin:1: binary file holds 1 value\(s\).*Nothing was uploaded/);
    expect(f.uploads).toEqual([]);
    expect(f.log.some((l) => l.startsWith("error evidence/core.bin:1 "))).toBe(true);
  });
});
