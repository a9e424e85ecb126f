import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtInRules, literalRule, maskAll, maskText, regexRule } from "../../../src/actions/evidence-mask/engine";
import { commonDirectory, expandGlobs, globToRegExp } from "../../../src/actions/evidence-mask/glob";
import { secretForms } from "../../../src/actions/evidence-mask/secret-forms";
import { planSecrets } from "../../../src/actions/evidence-mask/secrets";
import { maskFileStream, TEMP_SUFFIX } from "../../../src/actions/evidence-mask/stream";
import { maskAccountIds, maskRdsEndpoint, SECRET_MASK } from "../../../src/lib/masking";
import {
  ACCESS_KEY_ID,
  API_SECRET,
  bigLog,
  CALLER_ACCOUNT,
  CORPUS_FILES,
  DB_PASSWORD,
  FALSE_POSITIVES,
  JWT,
  PLANTED,
  plantedIn,
  SECRET_ACCESS_KEY,
} from "./corpus";

const rules = () => [
  ...builtInRules({ accountIds: [CALLER_ACCOUNT] }),
  literalRule({
    name: "secret-value",
    description: "test",
    values: [DB_PASSWORD, API_SECRET].flatMap((v) => secretForms(v, 6)),
    replacement: SECRET_MASK,
  }),
];

describe("built-in rules", () => {
  it("mask every planted value of every corpus file and nothing else", () => {
    for (const [name, make] of Object.entries(CORPUS_FILES)) {
      const original = make();
      const { text } = maskText(original, rules());
      expect(plantedIn(text), name).toEqual([]);
    }
  });

  it("leave the false-positive set untouched", () => {
    const text = FALSE_POSITIVES.join("\n");
    const out = maskText(text, rules());
    expect(out.counts).toEqual({});
    expect(out.text).toBe(text);
  });

  it("are idempotent: masking masked text changes nothing and finds nothing", () => {
    for (const make of Object.values(CORPUS_FILES)) {
      const once = maskText(make(), rules()).text;
      const twice = maskText(once, rules());
      expect(twice.text).toBe(once);
      expect(twice.counts).toEqual({});
    }
  });

  it("keep the region of RDS endpoints and mask account IDs the team's way", () => {
    expect(maskRdsEndpoint("db papyrus-db.c9akciq32xyz.us-west-2.rds.amazonaws.com:5432")).toBe(
      "db ****.****.us-west-2.rds.amazonaws.com:5432",
    );
    expect(maskRdsEndpoint("p.proxy-abcdef123456.us-gov-west-1.rds.amazonaws.com")).toBe(
      "****.****.us-gov-west-1.rds.amazonaws.com",
    );
    expect(maskAccountIds("arn:aws:iam::123456789012:role/x owner 123456789012", [])).toBe(
      "arn:aws:iam::************:role/x owner 123456789012",
    );
    expect(maskAccountIds("owner 123456789012, 1234-5678-9012, 91234567890123", ["123456789012"])).toBe(
      "owner ************, ************, 91234567890123",
    );
  });

  it("name the rule that matched each value", () => {
    const sample = [
      `aws_secret_access_key = ${SECRET_ACCESS_KEY}`,
      `id ${ACCESS_KEY_ID}`,
      `t ${JWT}`,
      "Cookie: a=b",
      "url postgres://u:hunter2hunter2@h/db",
    ].join("\n");
    expect(maskText(sample, builtInRules()).counts).toEqual({
      "aws-secret-access-key": 1,
      "aws-access-key-id": 1,
      jwt: 1,
      "http-auth-header": 1,
      "url-password": 1,
    });
    expect(maskAll(`k ${DB_PASSWORD} at ${ACCESS_KEY_ID}`, { secretValues: [DB_PASSWORD] })).toBe("k **** at ****");
  });
});

describe("value spans", () => {
  // Rules match without the regex flag `d` (its index arrays are costly); a value is placed from its text,
  // and where that text occurs more than once in the match the regex runs again with indices.
  it("places a value whose text occurs twice in the match where its group is", () => {
    const twice = regexRule({
      name: "pair",
      description: "test",
      regex: /(?<k>[a-z]{2,8})=(?<v>[a-z]{2,8})\b/,
      replacement: "#",
      maxLength: 32,
      trigger: { literals: ["="] },
    });
    const { prefilter: _, ...plain } = twice;
    for (const [text, expected] of [
      ["ab=ab ok", "ab=# ok"],
      ["x abab=ab y", "x abab=# y"],
      ["key=value", "key=#"],
      ["aa=aaaa", "aa=#"],
    ] as const) {
      expect(maskText(text, [twice]).text, text).toBe(expected);
      // The prefilter's path as well as the regex's own.
      expect(maskText(text, [plain]).text, text).toBe(expected);
    }
    // A URL password equal to its user name, an ARN whose account ID repeats in its resource.
    expect(maskText("postgres://ab12:ab12@db/x", builtInRules({ names: ["url-password"] })).text).toBe(
      "postgres://ab12:****@db/x",
    );
    expect(maskText("arn:aws:iam::123456789012:role/123456789012", builtInRules({ names: ["account-id"] })).text).toBe(
      "arn:aws:iam::************:role/123456789012",
    );
  });
});

describe("secret forms", () => {
  it("cover URL-encoded, JSON-escaped (once and twice) and base64 forms; nothing under 4 characters", () => {
    const forms = secretForms(API_SECRET, 6);
    expect(forms).toContain(encodeURIComponent(API_SECRET));
    expect(forms).toContain(JSON.stringify(API_SECRET).slice(1, -1));
    expect(forms).toContain(JSON.stringify(JSON.stringify(API_SECRET).slice(1, -1)).slice(1, -1));
    expect(forms).toContain(Buffer.from(API_SECRET).toString("base64").replace(/=+$/, ""));
    expect(secretForms("5432", 6)).toContain("5432");
    expect(secretForms("abc", 6)).toEqual([]);
  });

  it("take JSON field values, however short, but skip keys that are not secret", () => {
    const plan = planSecrets([
      {
        id: "papyrus/db",
        secretString: JSON.stringify({
          username: "papyrus_app",
          password: DB_PASSWORD,
          port: 5432,
          engine: "postgres",
          host: "papyrus-db.c9akciq32xyz.us-west-2.rds.amazonaws.com",
          dbInstanceIdentifier: "papyrus-db",
          dbname: "papyrus",
          pin: "1234",
        }),
      },
    ]);
    const values = plan.evidence;
    expect(values).toContain("papyrus_app");
    expect(values).toContain(DB_PASSWORD);
    expect(values).toContain("1234");
    expect(values.some((v) => v === "5432" || v === "postgres" || v === "papyrus-db" || v === "papyrus")).toBe(false);
    expect(values.some((v) => v.startsWith("papyrus-db."))).toBe(false);
    expect(plan.logOnly).toEqual(["papyrus-db.c9akciq32xyz.us-west-2.rds.amazonaws.com"]);
    expect(plan.unmaskable).toEqual([]);
  });
});

describe("streaming", () => {
  const dir = () => mkdtempSync(join(tmpdir(), "mask-stream-"));

  it("finds values split across every read boundary and writes what in-memory masking writes", async () => {
    const d = dir();
    const file = join(d, "big.log");
    const original = bigLog(120_000);
    writeFileSync(file, original, { mode: 0o640 });
    const expected = maskText(original, rules());
    for (const chunkBytes of [97, 4093]) {
      writeFileSync(file, original);
      const scan = await maskFileStream(file, rules(), { rewrite: true, chunkBytes });
      expect(readFileSync(file, "latin1")).toBe(expected.text);
      expect(scan.counts).toEqual(expected.counts);
      expect(scan.rewritten).toBe(true);
    }
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(d)).toEqual(["big.log"]);
  });

  it("verifies in the same pass: the masked bytes as written are scanned, as a read-back scan would", async () => {
    const d = dir();
    const file = join(d, "big.log");
    // A rule whose replacement it matches again: the verification must find every one, at the first line.
    const sticky = regexRule({
      name: "ticket",
      description: "test",
      regex: /tkt-[0-9]+/,
      replacement: "tkt-0",
      maxLength: 32,
    });
    const original = `head\n${bigLog(60_000)}tkt-12 tkt-345\n`;
    for (const chunkBytes of [97, 4093]) {
      writeFileSync(file, original);
      const scan = await maskFileStream(file, [...rules(), sticky], { rewrite: true, verify: true, chunkBytes });
      const readBack = await maskFileStream(file, [...rules(), sticky], { rewrite: false, chunkBytes });
      expect(scan.verified).toEqual({ counts: readBack.counts, firstLine: readBack.firstLine });
      expect(scan.verified?.counts).toEqual({ ticket: 2 });
      expect(scan.verified?.firstLine.ticket).toBe(original.split("\n").length - 1);
    }
    // Nothing the built-in rules mask is found again.
    writeFileSync(file, original);
    const clean = await maskFileStream(file, rules(), { rewrite: true, verify: true, chunkBytes: 4093 });
    expect(clean.rewritten).toBe(true);
    expect(clean.verified).toEqual({ counts: {}, firstLine: {} });
  });

  it("reports the first line of each rule, and leaves a file without matches untouched", async () => {
    const d = dir();
    const file = join(d, "a.log");
    writeFileSync(file, `one\ntwo ${ACCESS_KEY_ID}\nthree\nCookie: x=y\n`);
    const scan = await maskFileStream(file, rules(), { rewrite: false });
    expect(scan.firstLine).toEqual({ "aws-access-key-id": 2, "http-auth-header": 4 });
    const clean = join(d, "clean.log");
    writeFileSync(clean, FALSE_POSITIVES.join("\n"));
    const before = statSync(clean).mtimeMs;
    const result = await maskFileStream(clean, rules(), { rewrite: true });
    expect(result.rewritten).toBe(false);
    expect(statSync(clean).mtimeMs).toBe(before);
    expect(readdirSync(d).sort()).toEqual(["a.log", "clean.log"]);
  });

  it("keeps bytes that are not UTF-8 and never rewrites a binary file", async () => {
    const d = dir();
    const latin = join(d, "latin1.log");
    const bytes = Buffer.concat([
      Buffer.from([0xe9, 0xff, 0x80]),
      Buffer.from(` key ${ACCESS_KEY_ID} `),
      Buffer.from([0xc3]),
    ]);
    writeFileSync(latin, bytes);
    await maskFileStream(latin, rules(), { rewrite: true });
    expect(readFileSync(latin)).toEqual(
      Buffer.concat([Buffer.from([0xe9, 0xff, 0x80]), Buffer.from(" key **** "), Buffer.from([0xc3])]),
    );
    const bin = join(d, "blob.bin");
    const binBytes = Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(ACCESS_KEY_ID)]);
    writeFileSync(bin, binBytes);
    const scan = await maskFileStream(bin, rules(), { rewrite: true });
    expect(scan).toMatchObject({ binary: true, rewritten: false, counts: { "aws-access-key-id": 1 } });
    expect(readFileSync(bin)).toEqual(binBytes);
  });
});

describe("globs", () => {
  it("expand **, *, ?, [..], directories and ! exclusions, never following symlinks", () => {
    const root = mkdtempSync(join(tmpdir(), "mask-glob-"));
    for (const f of ["evidence/a.log", "evidence/b.json", "evidence/sub/c.log", "other/d.log", "evidence/x1.txt"]) {
      mkdirSync(join(root, f, ".."), { recursive: true });
      writeFileSync(join(root, f), "x");
    }
    writeFileSync(join(root, "evidence", `.a.log.1234${TEMP_SUFFIX}`), "half");
    symlinkSync("/etc/hostname", join(root, "evidence/link.log"));
    const rel = (xs: string[]) => xs.map((x) => x.slice(root.length + 1));
    const all = expandGlobs(["evidence/**"], root);
    expect(rel(all.files)).toEqual(["evidence/a.log", "evidence/b.json", "evidence/sub/c.log", "evidence/x1.txt"]);
    expect(rel(all.symlinks)).toEqual(["evidence/link.log"]);
    expect(rel(all.staleTemps)).toEqual([`evidence/.a.log.1234${TEMP_SUFFIX}`]);
    expect(rel(expandGlobs(["evidence/*.log", "!evidence/a.*"], root).files)).toEqual([]);
    expect(rel(expandGlobs(["**/*.log"], root).files)).toEqual(["evidence/a.log", "evidence/sub/c.log", "other/d.log"]);
    expect(rel(expandGlobs(["evidence/x?.[a-t]xt", "other"], root).files)).toEqual(["evidence/x1.txt", "other/d.log"]);
    expect(expandGlobs(["nothing/**"], root).files).toEqual([]);
    expect(commonDirectory([join(root, "evidence/a.log"), join(root, "evidence/sub/c.log")])).toBe(
      join(root, "evidence"),
    );
    expect(globToRegExp("a/**/b").test("a/b")).toBe(true);
    expect(PLANTED.length).toBeGreaterThan(10);
  });
});
