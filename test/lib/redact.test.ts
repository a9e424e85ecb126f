/**
 * The one redactor the probe, the drift check and the command line mask their
 * text with (src/lib/masking.ts `redactor`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactor } from "../../src/lib/masking";
import { classifyField, logMaskValues, MIN_MASKABLE_LENGTH, secretRedactor } from "../../src/lib/secret-policy";

describe("redactor", () => {
  it("masks a value that contains another whole (longest first), and every occurrence", () => {
    expect(redactor(["pw", "pw-2026"])("x pw-2026 y pw z pw-2026")).toBe("x *** y *** z ***");
  });

  it("leaves values shorter than minLength (the probe's 3) and empty values alone", () => {
    expect(redactor(["ab", "abc", ""], 3)("ab abc abcd")).toBe("ab *** ***d");
    expect(redactor([""])("text")).toBe("text");
    expect(redactor(["a"])("banana")).toBe("b***n***n***");
  });

  it("no value of at least minLength survives, whatever the values and the text (newlines, quotes, unicode)", () => {
    const value = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).filter((v) => !v.includes("*"));
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 6 }),
        fc.array(fc.string({ unit: "grapheme" }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        (values, parts, minLength) => {
          // The text is the values themselves interleaved with arbitrary text.
          const text = parts.map((p, i) => `${p}${values[i % Math.max(1, values.length)] ?? ""}\n"'`).join("");
          const out = redactor(values, minLength)(text);
          for (const v of values) if (v.length >= minLength) expect(out).not.toContain(v);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("secretRedactor (what a step reports of a secret, by the shared secret policy)", () => {
  const secret = {
    host: "papyrus-db.c9akciq32xyz.us-east-1.rds.amazonaws.com",
    username: "papyrus_admin",
    password: "Pw-9f8e7d6c",
    dbname: "papyrus",
    ssl: "on",
    region: "us-east-1",
    pin: "42",
  };

  it("masks the password, user and host, but no public field and nothing under MIN_MASKABLE_LENGTH", () => {
    const redact = secretRedactor(logMaskValues(JSON.stringify(secret)));
    const text = `user papyrus_admin with Pw-9f8e7d6c at ${secret.host} (us-east-1, ssl on) pin 42 in papyrus via amazonaws`;
    expect(redact(text)).toBe("user *** with *** at *** (us-east-1, ssl on) pin 42 in papyrus via amazonaws");
  });

  it("masks what the step used beside the secret (a host read from RDS), line by line", () => {
    const redact = secretRedactor(logMaskValues(JSON.stringify({ password: "Pw-9f8e7d6c" })), ["db.internal", "ab"]);
    expect(redact("db.internal ab Pw-9f8e7d6c")).toBe("*** ab ***");
  });

  it("registers a one-line value with an escaped \\n in it whole, not only its pieces (the short one stayed in clear)", () => {
    const password = String.raw`ab\ncd-Pw9f`;
    const values = logMaskValues(JSON.stringify({ password }));
    expect(values).toContain(password);
    expect(secretRedactor(values)(`login with ${password} failed`)).toBe("login with *** failed");
    // A value with real line breaks is still registered line by line (the runner masks one line at a time).
    expect(logMaskValues(JSON.stringify({ key: "line-one-abc\nline-two-def" }))).toEqual(
      expect.arrayContaining(["line-one-abc", "line-two-def"]),
    );
    expect(logMaskValues(JSON.stringify({ key: "line-one-abc\nline-two-def" }))).not.toContain(
      "line-one-abc\nline-two-def",
    );
  });

  it("no non-public value of 4 or more characters survives, and every public or shorter one is left as it was", () => {
    // A small alphabet, so that values often contain one another.
    const value = fc.string({ unit: fc.constantFrom(..."aon1-"), minLength: 1, maxLength: 7 });
    const key = fc.constantFrom("password", "username", "host", "api_token", "ssl", "region", "dbname", "port", "pin");
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1 }), (fields) => {
        const masked = logMaskValues(JSON.stringify(fields));
        const redact = secretRedactor(masked);
        const values = Object.values(fields);
        const out = redact(values.join(" | ")).split(" | ");
        for (const [k, v] of Object.entries(fields)) {
          if (classifyField(k) !== "public" && v.trim().length >= MIN_MASKABLE_LENGTH) {
            expect(out.join(" | ")).not.toContain(v.trim());
          } else if (!masked.some((m) => v.includes(m))) {
            expect(out[values.indexOf(v)]).toBe(v);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
