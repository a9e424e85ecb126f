/**
 * Issue 10 §1, property tests: for arbitrary secret strings (unicode, quotes,
 * backslashes, newlines, leading and trailing spaces) embedded in evidence in
 * each encoded form, also split across the streaming reader's chunk
 * boundaries, the masked output holds neither the value nor any listed form of
 * it, and a verification scan of the unmasked evidence fails.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtInRules, literalRule, type MaskRule, maskText } from "../../src/actions/evidence-mask/engine";
import { asciiJson, base64Forms, expandSecretValues, secretForms } from "../../src/actions/evidence-mask/secret-forms";
import { maskFileStream } from "../../src/actions/evidence-mask/stream";
import { SECRET_MASK } from "../../src/lib/masking";
import { MIN_MASKABLE_LENGTH, secretLines } from "../../src/lib/secret-policy";

/** The runner masks files byte for byte (latin1 view of UTF-8), as run.ts does. */
const asBytes = (s: string) => Buffer.from(s, "utf8").toString("latin1");
const fromBytes = (s: string) => Buffer.from(s, "latin1").toString("utf8");

function rulesFor(secret: string, minLineLength = 6): MaskRule[] {
  return [
    ...builtInRules(),
    literalRule({
      name: "secret-value",
      description: "secret values",
      values: expandSecretValues([secret], minLineLength).map(asBytes),
      replacement: SECRET_MASK,
    }),
  ];
}

/** The encodings the issue lists, each as an independent producer writes it. */
function encodings(secret: string): Record<string, string> {
  const bytes = Buffer.from(secret, "utf8");
  const js = JSON.stringify(secret).slice(1, -1);
  const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  return {
    raw: secret,
    json: js,
    "json-python": asciiJson(secret),
    "json-double": JSON.stringify(js).slice(1, -1),
    "json-python-double": JSON.stringify(asciiJson(secret)).slice(1, -1),
    "url-component": encodeURIComponent(secret),
    "url-form-plus": new URLSearchParams([["", secret]]).toString().slice(1),
    "url-lower-hex": lowerHex(encodeURIComponent(secret)),
    "url-plus-lower-hex": lowerHex(encodeURIComponent(secret).replace(/%20/g, "+")),
    base64: bytes.toString("base64"),
    "base64-unpadded": bytes.toString("base64").replace(/=+$/, ""),
    "base64url-padded": bytes.toString("base64").replace(/\+/g, "-").replace(/\//g, "_"),
    base64url: bytes.toString("base64url"),
  };
}

// Secrets with what breaks escaping: quotes, backslashes, newlines, surrogate pairs, spaces at either end.
// `*` is left out: it is what masking writes, so a secret made of it would "reappear" after masking.
const tricky = fc.constantFrom(
  '"',
  "\\",
  "\n",
  "\r\n",
  " ",
  "'",
  "/",
  "+",
  "%",
  "=",
  "&",
  "é",
  "ß",
  "😀",
  "\u2028",
  "\t",
  "\u0001",
);
const secretArb = fc
  .array(fc.oneof(fc.string({ unit: "grapheme", minLength: 1, maxLength: 4 }), tricky), {
    minLength: 2,
    maxLength: 12,
  })
  .map((parts) => parts.join(""))
  .filter((s) => s.length >= MIN_MASKABLE_LENGTH && !s.includes("*") && s.trim().length >= MIN_MASKABLE_LENGTH);

const FILLER = "2025-11-05T06:32:10Z GET /healthz 200 OK request_id=0f1e2d3c\n";

/** Every listed form that must be gone: the encodings above, and those of each line long enough to mask alone. */
function mustBeGone(secret: string, minLineLength = 6): string[] {
  const forms = [...Object.values(encodings(secret))];
  for (const line of secretLines(secret, minLineLength)) forms.push(...Object.values(encodings(line)));
  return forms.filter((f) => f.length >= MIN_MASKABLE_LENGTH);
}

describe("secret forms (property)", () => {
  it("list every encoding the issue names, for any secret", () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        const forms = new Set(secretForms(secret, 6));
        for (const [name, form] of Object.entries(encodings(secret))) {
          expect(forms.has(form), `${name} of ${JSON.stringify(secret)}`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("base64 of a value inside a longer encoded string is found at every byte alignment", () => {
    fc.assert(
      fc.property(secretArb, fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), (secret, before, after) => {
        const encoded = Buffer.from(`${before}${secret}${after}`, "utf8").toString("base64");
        const fragments = base64Forms(secret).filter((f) => f.length >= 8);
        if (Buffer.byteLength(secret) < 9) return;
        expect(fragments.some((f) => encoded.includes(f))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("masking (property)", () => {
  it("masked evidence holds neither the value nor any form of it, and masking again changes nothing", () => {
    fc.assert(
      fc.property(secretArb, fc.constantFrom(...Object.keys(encodings("x"))), (secret, kind) => {
        const form = encodings(secret)[kind] as string;
        const evidence = `${FILLER}value=${form}\n{"message":"${form}"}\n${form}${FILLER}`;
        const rules = rulesFor(secret);
        const masked = fromBytes(maskText(asBytes(evidence), rules).text);
        for (const f of mustBeGone(secret)) expect(masked.includes(f), `${kind} ${JSON.stringify(f)}`).toBe(false);
        expect(fromBytes(maskText(asBytes(masked), rules).text)).toBe(masked);
      }),
      { numRuns: 400 },
    );
  });

  it("every unmasked form makes verification find it", () => {
    fc.assert(
      fc.property(secretArb, fc.constantFrom(...Object.keys(encodings("x"))), (secret, kind) => {
        const form = encodings(secret)[kind] as string;
        const { counts } = maskText(asBytes(`${FILLER}${form}\n`), rulesFor(secret));
        expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it("streamed through small chunks, a value split across reads is masked and verify of the original fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mask-prop-"));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        fc.constantFrom(...Object.keys(encodings("x"))),
        // The window carries 16 KiB of overlap: filler past it makes the value land on read boundaries.
        fc.integer({ min: 15_000, max: 40_000 }),
        fc.constantFrom(1021, 4093, 8191),
        async (secret, kind, fillerBytes, chunkBytes) => {
          const form = encodings(secret)[kind] as string;
          const filler = FILLER.repeat(Math.ceil(fillerBytes / FILLER.length)).slice(0, fillerBytes);
          const file = join(dir, `e${n++}.log`);
          const original = `${filler}${form}|${filler}${form}\n`;
          writeFileSync(file, original);
          const rules = rulesFor(secret);
          const verify = await maskFileStream(file, rules, { rewrite: false, chunkBytes });
          expect(verify.counts["secret-value"] ?? 0).toBeGreaterThanOrEqual(2);
          await maskFileStream(file, rules, { rewrite: true, chunkBytes });
          const masked = readFileSync(file, "utf8");
          for (const f of mustBeGone(secret)) expect(masked.includes(f), `${kind} ${JSON.stringify(f)}`).toBe(false);
          expect(masked).toBe(fromBytes(maskText(asBytes(original), rules).text));
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
