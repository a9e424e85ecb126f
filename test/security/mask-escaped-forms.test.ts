/**
 * Issue 10 §1: the escaped forms other producers write. The expected strings
 * below were written by CPython 3 (json.dumps defaults, urllib.parse.quote_plus,
 * base64.b64encode/urlsafe_b64encode), not by the code under test.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBundle } from "../harness/runner";

const A = "Pässwörd 😀/+x?>~";
const B = "Grüße 🙈 key=v&w";
const WRITTEN = {
  "python json.dumps": String.raw`"P\u00e4ssw\u00f6rd \ud83d\ude00/+x?>~"`,
  "python json.dumps twice": String.raw`"\"P\\u00e4ssw\\u00f6rd \\ud83d\\ude00/+x?>~\""`,
  "CloudWatch message holding JSON": String.raw`{"message": "{\"password\": \"Gr\\u00fc\\u00dfe \\ud83d\\ude48 key=v&w\"}"}`,
  quote_plus: "P%C3%A4ssw%C3%B6rd+%F0%9F%98%80%2F%2Bx%3F%3E~",
  "quote_plus, lower-case hex":
    "p=P%c3%a4ssw%c3%b6rd+%f0%9f%98%80%2f%2bx%3f%3e~&q=Gr%c3%bc%c3%9fe+%f0%9f%99%88+key%3dv%26w",
  base64: "UMOkc3N3w7ZyZCDwn5iALyt4Pz5+",
  "base64 url-safe": "token=UMOkc3N3w7ZyZCDwn5iALyt4Pz5-;",
  "base64 padded": "R3LDvMOfZSDwn5mIIGtleT12Jnc=",
  "base64 url-safe unpadded": "R3LDvMOfZSDwn5mIIGtleT12Jnc.",
  "JSON.stringify twice": JSON.stringify(JSON.stringify({ password: A })),
};
const SECRET_PARTS = [
  "u00e4ssw",
  "ud83d\\ude48 key",
  "%C3%A4ssw",
  "%c3%a4ssw",
  "%c3%bc%c3%9fe",
  "UMOkc3N3w7ZyZCDwn5iALyt4Pz5",
  "R3LDvMOfZSDwn5mIIGtleT12Jnc",
  "Pässwörd",
  "Grüße",
];

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), "sec-esc-"));
  mkdirSync(join(ws, "evidence"));
  writeFileSync(
    join(ws, "evidence/forms.log"),
    Object.entries(WRITTEN)
      .map(([k, v]) => `${k}: ${v}`)
      .join("\n"),
  );
  return ws;
}

describe("evidence-mask: escaped forms (bundle)", () => {
  it("masks Python's \\uXXXX escapes (surrogate pairs too), quote_plus in both hex cases, every base64 and double-escaped JSON", async () => {
    const ws = workspace();
    const r = await runBundle("evidence-mask", { workspace: ws, inputs: { "secret-values": `${A}\n${B}` } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const masked = readFileSync(join(ws, "evidence/forms.log"), "utf8");
    for (const part of SECRET_PARTS) expect(masked, part).not.toContain(part);
    expect(Number(r.outputs["masked-count"])).toBeGreaterThanOrEqual(Object.keys(WRITTEN).length);
    for (const label of Object.keys(WRITTEN)) expect(masked).toContain(`${label}: `);
  });

  it("verify fails on each unmasked form, one file per form", async () => {
    const ws = mkdtempSync(join(tmpdir(), "sec-esc-"));
    mkdirSync(join(ws, "evidence"));
    const entries = Object.entries(WRITTEN);
    for (const [i, [, v]] of entries.entries()) writeFileSync(join(ws, `evidence/form-${i}.log`), `${v}\n`);
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { mode: "verify", "secret-values": `${A}\n${B}` },
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(r.outputs.report as string, "utf8"));
    const failing = report.files.filter((f: { remaining: object }) => Object.keys(f.remaining).length > 0);
    expect(failing.map((f: { path: string }) => f.path).sort()).toEqual(
      entries.map((_, i) => `evidence/form-${i}.log`).sort(),
    );
  });
});
