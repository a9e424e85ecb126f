/**
 * The masking engine: the multi-literal matcher finds exactly what a naive
 * indexOf scan finds; each built-in rule's prefilter finds exactly what its
 * regex finds at every position; the streaming masker writes what in-memory
 * masking writes, whatever the chunk size.
 */
import { PassThrough, Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BUILT_IN_RULES,
  builtInRules,
  compile,
  findMatches,
  literalRule,
  type MaskRule,
  maskText,
  regexRule,
} from "../../../src/actions/evidence-mask/engine";
import { LARGE_CHUNK_BYTES } from "../../../src/actions/evidence-mask/engine/masker";
import { compileLiterals, type Hits, newHits, newScanState } from "../../../src/actions/evidence-mask/engine/matcher";
import { SECRET_MASK } from "../../../src/lib/masking";

const bytes = (s: string) => Buffer.from(s, "latin1");
const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Every occurrence of every literal (overlapping ones too) starting in [from, to): [literal index, start] sorted. */
function naive(hay: string, literals: { text: string; ignoreCase: boolean }[], from: number, to: number) {
  const out: [number, number][] = [];
  literals.forEach((lit, k) => {
    if (lit.text.length === 0) return;
    const h = lit.ignoreCase ? fold(hay) : hay;
    const n = lit.ignoreCase ? fold(lit.text) : lit.text;
    for (let i = h.indexOf(n, from); i !== -1 && i + n.length <= to; i = h.indexOf(n, i + 1)) out.push([k, i]);
  });
  return out.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
}

/** Each hit as [literal, start, end, newlines], in the order found. */
const rows = (h: Hits) =>
  Array.from({ length: h.count }, (_, k) => [h.literal[k], h.start[k], h.end[k], h.newlines[k]]);

// A small alphabet makes overlaps, repeats and shared prefixes common.
const alphabet = fc.constantFrom("a", "b", "A", "B", "\n", "0", "é", "-");
const word = (min: number, max: number) =>
  fc.array(alphabet, { minLength: min, maxLength: max }).map((cs) => cs.join(""));
const literalsArb = fc.array(fc.record({ text: word(1, 5), ignoreCase: fc.boolean() }), {
  minLength: 1,
  maxLength: 6,
});

describe("multi-literal matcher (property)", () => {
  it("finds exactly what indexOf finds: overlapping occurrences, shared prefixes, case folding", () => {
    fc.assert(
      fc.property(word(0, 200), literalsArb, (hay, literals) => {
        const m = compileLiterals(literals.map((l) => ({ bytes: bytes(l.text), ignoreCase: l.ignoreCase })));
        const buf = bytes(hay);
        const hits = m.scan(buf, 0, buf.length);
        const got: [number, number][] = [];
        for (let k = 0; k < hits.count; k++) got.push([hits.literal[k] as number, hits.start[k] as number]);
        got.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
        expect(got).toEqual(naive(hay, literals, 0, hay.length));
      }),
      { numRuns: 400 },
    );
  });

  it("scanned in pieces with an overlap of the longest literal, finds each occurrence once, also across piece boundaries", () => {
    fc.assert(
      fc.property(word(0, 300), literalsArb, fc.integer({ min: 1, max: 40 }), (hay, literals, piece) => {
        const m = compileLiterals(literals.map((l) => ({ bytes: bytes(l.text), ignoreCase: l.ignoreCase })));
        const buf = bytes(hay);
        const got: [number, number][] = [];
        // Each piece is scanned up to `piece + maxLength - 1` bytes further; an occurrence counts for the piece it starts in.
        for (let from = 0; from < buf.length; from += piece) {
          const hits = m.scan(buf, from, Math.min(buf.length, from + piece + m.maxLength - 1));
          for (let k = 0; k < hits.count; k++) {
            const start = hits.start[k] as number;
            if (start < from + piece) got.push([hits.literal[k] as number, start]);
          }
        }
        got.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
        expect(got).toEqual(naive(hay, literals, 0, hay.length));
      }),
      { numRuns: 300 },
    );
  });

  it("resumed piece by piece, finds what one scan finds, each byte scanned once, newlines counted from the start", () => {
    fc.assert(
      fc.property(word(0, 300), literalsArb, fc.array(fc.nat(300), { maxLength: 8 }), (hay, literals, cuts) => {
        const m = compileLiterals(literals.map((l) => ({ bytes: bytes(l.text), ignoreCase: l.ignoreCase })));
        const buf = bytes(hay);
        const at = newScanState();
        const hits = newHits(4);
        const bounds = [...new Set([0, ...cuts.map((c) => Math.min(c, buf.length)), buf.length])].sort((a, b) => a - b);
        for (let i = 1; i < bounds.length; i++)
          m.resume(buf, bounds[i - 1] as number, bounds[i] as number, at, hits, 0);
        const whole = m.scan(buf, 0, buf.length);
        expect(hits.count).toBe(whole.count);
        expect(rows(hits)).toEqual(rows(whole));
        expect(at.newlines).toBe(hay.split("\n").length - 1);
      }),
      { numRuns: 300 },
    );
  });

  it("over a long range (quarters scanned at once), finds what short pieces find, in the same order, newlines included", () => {
    fc.assert(
      fc.property(
        word(1, 120),
        word(0, 40),
        fc.integer({ min: 16_384, max: 40_000 }),
        literalsArb,
        fc.nat(2000),
        fc.nat(900),
        (unit, tail, length, literals, at, span) => {
          const hay = (unit + tail).repeat(Math.ceil(length / (unit.length + tail.length))).slice(0, length);
          // A long literal taken from the text, often across the middle: the second half's lead-in must cover it.
          const long = hay.slice(Math.max(0, (length >> 1) - at), Math.max(0, (length >> 1) - at) + 1 + span);
          const all = [...literals, { text: long, ignoreCase: false }];
          const m = compileLiterals(all.map((l) => ({ bytes: bytes(l.text), ignoreCase: l.ignoreCase })));
          const buf = bytes(hay);
          const whole = m.scan(buf, 0, buf.length);
          // Pieces under 16 KiB are scanned in one pass.
          const pieces = newHits(4);
          const state = newScanState();
          for (let from = 0; from < buf.length; from += 1000)
            m.resume(buf, from, Math.min(buf.length, from + 1000), state, pieces, 0);
          expect(whole.count).toBe(pieces.count);
          expect(rows(whole)).toEqual(rows(pieces));
          const got: [number, number][] = [];
          for (let k = 0; k < whole.count; k++) got.push([whole.literal[k] as number, whole.start[k] as number]);
          got.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
          expect(got).toEqual(naive(hay, all, 0, hay.length));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("counts the newlines before each occurrence's end", () => {
    fc.assert(
      fc.property(word(0, 200), literalsArb, fc.nat(50), (hay, literals, from) => {
        const m = compileLiterals(literals.map((l) => ({ bytes: bytes(l.text), ignoreCase: l.ignoreCase })));
        const buf = bytes(hay);
        const start = Math.min(from, buf.length);
        const hits = m.scan(buf, start, buf.length);
        for (let k = 0; k < hits.count; k++) {
          const end = hits.end[k] as number;
          expect(hits.newlines[k]).toBe(hay.slice(start, end).split("\n").length - 1);
          if (k > 0) expect(end).toBeGreaterThanOrEqual(hits.end[k - 1] as number);
        }
      }),
      { numRuns: 200 },
    );
  });
});

// Pieces of what the built-in rules look for, and what sits around it, glued at random.
const FRAGMENTS = [
  "arn:aws:iam::123456789012:role/x",
  "arn%3Aaws%3Asts%3A%3A123456789012%3A",
  "arn:aws-us-gov:ecs:us-gov-west-1:210987654321:task/",
  "papyrus-db.c9akciq32xyz.us-west-2.rds.amazonaws.com",
  "x.cluster-ro-abcdef123.eu-central-1.rds.amazonaws.com",
  ".rds.amazonaws.com",
  "AKIAIOSFODNN7EXAMPLE",
  "ASIAY34FZKBOKMUTVV7A",
  "A3TXIOSFODNN7EXAMPLE",
  "aws_secret_access_key",
  "SecretAccessKey",
  "secretkey",
  '"',
  '\\"',
  "'",
  " = ",
  ":",
  ", ",
  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "aws_session_token",
  "X-Amz-Security-Token",
  "aws_security_token",
  "SessionToken",
  "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLXdlc3QtMiJHMEUCIQ",
  "FwoGZXIvYXdzEBYaDH",
  "Authorization",
  "authorization",
  "Proxy-Authorization",
  "Set-Cookie",
  "cookie",
  "> ",
  "< ",
  "\t",
  "Bearer ",
  "bearer\tghp_R4nd0mT0ken0123456789",
  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9jdG8ifQ.c2lnbmF0dXJl",
  "eyJ",
  ".",
  "-----BEGIN RSA PRIVATE KEY-----",
  "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcOz0e3C",
  "\\n",
  "Proc-Type: 4,ENCRYPTED",
  "-----END RSA PRIVATE KEY-----",
  "postgres://app:Pg-p4ss!w0rd@db:5432/x",
  "://",
  "https",
  "@",
  "\n",
  "\r\n",
  " ",
  "0123456789",
  "****",
  "x",
  // Whole matches of each rule, in the shapes evidence holds them.
  "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
  'AWSSecretKey:"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
  "awssecretaccesskey=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ",
  "AKIAIOSFODNN7EXAMPLE, wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
  'ASIAY34FZKBOKMUTVV7A","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
  "aws_session_token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLXdlc3QtMiJHMEUCIQ\n",
  "AWS_SECURITY_TOKEN: FwoGZXIvYXdzEBYaDHabcdefghijklmnop\n",
  "x-amz-security-token=FQoGZXIvYXdzEBYaDHabcdefghijklmnop&",
  "awssessiontoken = abcdefghijklmnop1234\n",
  "\nAuthorization: Basic dXNlcjpwYXNz\n",
  "\r> Cookie: sid=abc123\r\n",
  "\n< \tSet-Cookie: a=b; Path=/\n",
  "\n  proxy-authorization:Bearer abcdefghijkl1\n",
  '{"set-cookie": "sid=abc"}',
  '\\"Proxy-Authorization\\": \\"Basic abc\\"',
  "'x-amz-security-token':'tok123'",
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA PRIVATE KEY-----\n",
  "-----BEGIN PRIVATE KEY-----\\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\\n-----END PRIVATE KEY-----",
  "redis://default:s3cr3tpass@cache:6379",
  " https://u:p@h ",
];
const textArb = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 24 }).map((xs) => xs.join(""));

describe("prefilters (property)", () => {
  const rules = builtInRules({ accountIds: ["123456789012"] });
  const masker = compile(rules);

  for (const rule of rules) {
    it(`${rule.name}${rule.description === "listed account IDs anywhere" ? " (listed)" : ""}: the prefilter finds what the regex finds`, () => {
      expect(rule.prefilter).toBeDefined();
      const single = compile([rule]);
      fc.assert(
        fc.property(textArb, fc.nat(40), (text, from0) => {
          const from = Math.min(from0, text.length);
          const view = { bytes: bytes(text), length: text.length, text: () => text };
          expect(single.matchesIn(view, from)).toEqual(findMatches(text, [rule], from));
        }),
        { numRuns: 300 },
      );
    });
  }

  it("all rules together, with a literal secret: the engine finds what findMatches finds", () => {
    const all = [
      ...rules,
      literalRule({
        name: "secret-value",
        description: "",
        values: ["Pg-p4ss!w0rd", "p4ss"],
        replacement: SECRET_MASK,
      }),
    ];
    const engine = compile(all);
    fc.assert(
      fc.property(textArb, (text) => {
        const view = { bytes: bytes(text), length: text.length, text: () => text };
        expect(engine.matchesIn(view, 0)).toEqual(findMatches(text, all, 0));
      }),
      { numRuns: 300 },
    );
  });

  it("covers every built-in rule", () => {
    expect(new Set(rules.map((r) => r.name))).toEqual(new Set(BUILT_IN_RULES));
    expect(masker.rules.every((r) => r.prefilter)).toBe(true);
  });
});

describe("blank padding: no match is longer than its rule's maxLength", () => {
  const rules = builtInRules();
  const engine = compile(rules);
  const maxLength = new Map(rules.map((r) => [r.name, r.maxLength]));
  const KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  // Values after alignment padding or indentation: a prefilter's string holds maxLength bytes past its
  // candidate, so a `\s*` there let `find` match past it, and the prefilter missed the value (left in the output).
  const shapes: ((p: string) => string)[] = [
    (p) => `aws_secret_access_key${p}= ${KEY}\n`,
    (p) => `aws_secret_access_key:${p}${KEY}\n`,
    (p) => `AKIAIOSFODNN7EXAMPLE,\n"SecretAccessKey"${p}:${p}"${KEY}"\n`,
    (p) => `SessionToken:${p}${"Ab0".repeat(1300)}\n`,
    (p) => `x\n${p}Authorization:${p}Basic ${"dXNlcjpwYXNz".repeat(600)}\n`,
    (p) => `{"authorization"${p}:${p}"Basic dXNlcjpwYXNz"}`,
    (p) => `bearer${p}ghp_R4nd0mT0ken0123456789${"x".repeat(4000)}\n`,
  ];
  it("the prefilter finds what the regex finds, whatever the padding; padding up to the bound is masked", async () => {
    for (const blanks of [1, 55, 150, 256, 257, 5000]) {
      for (const [k, shape] of shapes.entries()) {
        const pad = (k % 2 === 0 ? " " : "\t").repeat(blanks);
        const text = shape(k === 1 ? pad.replace(/^../, "\r\n") : pad);
        const view = { bytes: bytes(text), length: text.length, text: () => text };
        const expected = findMatches(text, rules, 0);
        expect(engine.matchesIn(view, 0), `shape ${k}, ${blanks} blanks`).toEqual(expected);
        for (const m of expected) expect(m.to - m.from).toBeLessThanOrEqual(maxLength.get(m.rule) as number);
        if (blanks <= 256) expect(expected.length, `shape ${k}, ${blanks} blanks`).toBeGreaterThan(0);
      }
    }
    // Blank runs that cross lines (a pretty-printed JSON header or token, values on the next line): the
    // session-token and header rules' strings end at the first newline past their blank runs' reach, not at
    // the candidate's own line, so the value is still seen.
    const crossing: ((p: string) => string)[] = [
      (p) => `"SessionToken":${p}"${"Ab0".repeat(40)}"\n`,
      (p) => `aws_session_token${p}=${p}${"Ab0".repeat(40)}\nnext line\n`,
      (p) => `{"authorization"${p}:${p}"Basic dXNlcjpwYXNz"}\nnext line\n`,
      (p) => `'X-Amz-Security-Token'${p}:${p}'tok123tok123'\n`,
    ];
    for (const blanks of [1, 2, 100, 255, 256, 257, 600]) {
      for (const [k, shape] of crossing.entries()) {
        const pad = "\n \t\r\n  ".repeat(Math.ceil(blanks / 7)).slice(0, blanks);
        const text = `x ${shape(pad)}tail ${"y".repeat(300)}\n`;
        const view = { bytes: bytes(text), length: text.length, text: () => text };
        const expected = findMatches(text, rules, 0);
        expect(engine.matchesIn(view, 0), `crossing shape ${k}, ${blanks} blanks`).toEqual(expected);
        if (blanks <= 256) expect(expected.length, `crossing shape ${k}, ${blanks} blanks`).toBeGreaterThan(0);
      }
    }
    // And through the streaming masker (1 MiB windows, every rule with a prefilter): the key is not left in the output.
    const text = `${shapes[0]?.(" ".repeat(150))}${shapes[2]?.(" ".repeat(200))}`;
    const out = new PassThrough();
    const written: Buffer[] = [];
    out.on("data", (b: Buffer) => written.push(b));
    const result = await engine.mask(Readable.from([bytes(text)]), out, { verify: true });
    expect(Buffer.concat(written).toString("latin1")).not.toContain(KEY);
    expect(result.counts["aws-secret-access-key"]).toBe(2);
  });
});

describe("streaming masker", () => {
  const rules: MaskRule[] = [
    ...builtInRules({ accountIds: ["123456789012"] }),
    literalRule({ name: "secret-value", description: "", values: ["Pg-p4ss!w0rd"], replacement: SECRET_MASK }),
    // A rule without a prefilter goes through the window as a string.
    regexRule({ name: "ticket", description: "", regex: /TKT-(?<v>\d+)/, replacement: "#", maxLength: 64 }),
  ];
  const masker = compile(rules);

  async function through(text: string, chunkBytes: number, pieces: number) {
    const input = bytes(text);
    const parts: Buffer[] = [];
    for (let i = 0; i < input.length; i += pieces) parts.push(input.subarray(i, i + pieces));
    const out = new PassThrough();
    const written: Buffer[] = [];
    out.on("data", (b: Buffer) => written.push(b));
    const result = await masker.mask(Readable.from(parts), out, { chunkBytes });
    return { text: Buffer.concat(written).toString("latin1"), result };
  }

  it("writes what in-memory masking writes, and counts the same, for any chunk and read size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.constant("TKT-42 ")), { maxLength: 40 }),
        fc.integer({ min: 16, max: 300 }),
        fc.integer({ min: 1, max: 200 }),
        async (parts, chunkBytes, pieces) => {
          // Far apart: a window holds chunk + overlap bytes, so values must cross chunk boundaries to test them.
          const text = parts.join("x".repeat(17_000));
          const expected = maskText(text, rules);
          const got = await through(text, chunkBytes, pieces);
          expect(got.text).toBe(expected.text);
          expect(got.result.counts).toEqual(expected.counts);
          expect(got.result.bytes).toBe(text.length);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("sizes its windows to a size hint: a small file gets small buffers, a large one the default chunk", async () => {
    const prefiltered = compile(builtInRules({ accountIds: ["123456789012"] }));
    const small = prefiltered.session(async () => undefined, { sizeHint: 100, verify: true });
    const large = prefiltered.session(async () => undefined, { sizeHint: 1 << 30 });
    const unhinted = prefiltered.session(async () => undefined, {});
    expect(large.chunkBytes).toBe(LARGE_CHUNK_BYTES);
    expect(unhinted.chunkBytes).toBe(LARGE_CHUNK_BYTES);
    expect(small.chunkBytes).toBe(16 * 1024);
    expect(small.window.length).toBeLessThan(large.window.length / 8);
    // A hint that is wrong (the file grew while it was read) only makes the windows smaller: nothing is missed.
    const text = `${"x".repeat(40_000)} arn:aws:iam::123456789012:role/a ${"y".repeat(70_000)} AKIAIOSFODNN7EXAMPLE\n`;
    const out = new PassThrough();
    const written: Buffer[] = [];
    out.on("data", (b: Buffer) => written.push(b));
    const result = await prefiltered.mask(Readable.from([bytes(text)]), out, { sizeHint: 10, verify: true });
    expect(Buffer.concat(written).toString("latin1")).toBe(maskText(text, prefiltered.rules).text);
    expect(result.counts).toEqual({ "account-id": 1, "aws-access-key-id": 1 });
    expect(result.verified?.counts).toEqual({});
  });

  it("reports each rule's first line as the whole text has it, for any chunk and read size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.constant("TKT-42 ")), { maxLength: 30 }),
        fc.array(fc.nat(9_000), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 16, max: 300 }),
        fc.integer({ min: 1, max: 200 }),
        async (parts, gaps, chunkBytes, pieces) => {
          // Lines of varying length between the values, so that windows end anywhere in a line.
          const text = parts
            .map(
              (p, i) =>
                `${"y\n".repeat((gaps[i % gaps.length] as number) % 700)}${"x".repeat(gaps[i % gaps.length] as number)}${p}`,
            )
            .join("\n");
          const expected: Record<string, number> = {};
          for (const m of findMatches(text, rules)) {
            const line = text.slice(0, m.start).split("\n").length;
            expected[m.rule] = Math.min(expected[m.rule] ?? line, line);
          }
          const input = bytes(text);
          const reads: Buffer[] = [];
          for (let i = 0; i < input.length; i += pieces) reads.push(input.subarray(i, i + pieces));
          const scan = await masker.scan(Readable.from(reads), { chunkBytes });
          expect(scan.firstLine).toEqual(expected);
          expect((await through(text, chunkBytes, pieces)).result.firstLine).toEqual(expected);
        },
      ),
      { numRuns: 25 },
    );
  });

  describe("verification (mask with verify: the output's occurrences derived from the input's)", () => {
    // Rules whose replacements make new matches, so that verification has something to find: a
    // replacement that is itself an access key ID, and one that completes a secret across its end.
    const making: MaskRule[] = [
      ...rules,
      regexRule({
        name: "plant",
        description: "",
        regex: /PLANT:(?<v>\d+)/,
        replacement: "AKIAIOSFODNN7EXAMPLE",
        maxLength: 64,
      }),
      regexRule({ name: "join", description: "", regex: /JOIN-(?<v>\d+)/, replacement: "Pg-p4ss", maxLength: 64 }),
      // A value after a keyword the output keeps from the input: the keyword's occurrence is a copied one.
      regexRule({
        name: "fill",
        description: "",
        regex: /(?<v>@@\d+@@)/,
        replacement: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        maxLength: 64,
      }),
    ];
    const maker = compile(making);
    const madeParts = [
      "PLANT:1 ",
      "JOIN-2!w0rd ",
      "JOIN-3",
      "!w0rd",
      "TKT-9Pg-p4ss!w0rd",
      "PLANT:12AKIA",
      "aws_secret_access_key = @@1@@\n",
      "aws_session_token: @@2@@ ",
    ];

    async function verified(m: typeof maker, text: string, chunkBytes: number, pieces: number) {
      const input = bytes(text);
      const parts: Buffer[] = [];
      for (let i = 0; i < input.length; i += pieces) parts.push(input.subarray(i, i + pieces));
      const out = new PassThrough();
      const written: Buffer[] = [];
      out.on("data", (b: Buffer) => written.push(b));
      const result = await m.mask(Readable.from(parts), out, { chunkBytes, verify: true });
      const output = Buffer.concat(written);
      // What a scan of the whole output, searching every byte, finds.
      const fresh = await m.scan(Readable.from([output]), { chunkBytes });
      return { result, fresh, output };
    }

    it("finds what a fresh scan of the output finds, for any chunk and read size", async () => {
      let found = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.constantFrom(...madeParts)), { maxLength: 40 }),
          fc.array(fc.nat(20_000), { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 16, max: 400 }),
          fc.integer({ min: 1, max: 300 }),
          async (parts, gaps, chunkBytes, pieces) => {
            // Gaps of any size: values next to each other, and values across window cuts.
            const text = parts.map((p, i) => `${"x".repeat((gaps[i % gaps.length] as number) % 17_000)}${p}`).join("");
            const { result, fresh } = await verified(maker, text, chunkBytes, pieces);
            expect(result.verified?.counts).toEqual(fresh.counts);
            expect(result.verified?.firstOffset).toEqual(fresh.firstOffset);
            found += Object.keys(fresh.counts).length;
          },
        ),
        { numRuns: 60 },
      );
      // The property is about something: verification found matches in many of the outputs.
      expect(found).toBeGreaterThan(20);
    });

    it("finds a value completed after a keyword that lies across a window cut, for every cut position", async () => {
      // The keyword's occurrence crosses a cut in some of these windows: only the scan around the cut finds it.
      // A window is cut once chunk + overlap bytes (33,000 here) are pending, first at 64 + chunk bytes
      // (the look-behind context and one chunk), then every chunk: the tail makes them cut, the gaps move the keyword across.
      for (let gap = 60; gap < 130; gap++) {
        const text = `${"x".repeat(gap)}aws_secret_access_key = @@1@@ ok\n${"y".repeat(34_000)}`;
        for (const chunkBytes of [16, 17, 23]) {
          const { result, fresh } = await verified(maker, text, chunkBytes, 1000);
          expect(result.verified?.counts).toEqual({ "aws-secret-access-key": 1 });
          expect(result.verified?.firstOffset).toEqual(fresh.firstOffset);
        }
      }
    });

    it("finds a secret completed by a replacement across a window cut, and a replacement that is a key ID", async () => {
      for (const chunkBytes of [16, 61, 4096]) {
        // Past the first window (chunk + overlap, 33,000 bytes here), so that cuts fall near the values.
        const text = `${"x".repeat(33_390)}JOIN-7!w0rd ${"y".repeat(9_000)}PLANT:3\n${"z".repeat(34_000)}`;
        const { result, fresh, output } = await verified(maker, text, chunkBytes, 97);
        expect(output.toString("latin1")).toContain("Pg-p4ss!w0rd");
        expect(result.verified?.counts).toEqual({ "secret-value": 1, "aws-access-key-id": 1 });
        expect(result.verified?.counts).toEqual(fresh.counts);
        expect(result.verified?.firstOffset).toEqual(fresh.firstOffset);
      }
    });

    it("finds nothing in what the built-in rules mask", async () => {
      const text = FRAGMENTS.join("\n").repeat(3);
      const { result, fresh } = await verified(masker, text, 300, 1000);
      expect(Object.keys(result.counts).length).toBeGreaterThan(5);
      expect(result.verified?.counts).toEqual({});
      expect(fresh.counts).toEqual({});
    });
  });

  it("masks a chain of overlapping occurrences that runs past a window's end whole (found by an attack)", async () => {
    // A periodic secret repeated back to back: each occurrence overlaps the next, so the chain pushes a window's
    // cut to its very end, past occurrences the window does not hold whole; the next window must mask their rest.
    const secret = "0123456789abcdefghij".repeat(450);
    const chain = [literalRule({ name: "secret-value", description: "", values: [secret], replacement: SECRET_MASK })];
    const m = compile(chain);
    for (const gap of [0, 100, 5000, 9000, 17_000, 18_100, 30_000]) {
      const text = `${"y".repeat(gap)}${secret}${secret}${secret}${"z".repeat(40_000)}`;
      for (const chunkBytes of [71, 4096]) {
        const out = new PassThrough();
        const written: Buffer[] = [];
        out.on("data", (b: Buffer) => written.push(b));
        await m.mask(Readable.from([bytes(text)]), out, { chunkBytes });
        const got = Buffer.concat(written).toString("latin1");
        // Nothing of the secret is left: only the filler and the masks.
        expect(got.replace(/\*/g, "").replace(/[yz]/g, "")).toBe("");
        expect(got).toBe(maskText(text, chain).text);
      }
    }
  });

  it("reports the line of each rule's first match, and scan() writes nothing", async () => {
    const text = `${"ok\n".repeat(50_000)}key AKIAIOSFODNN7EXAMPLE\n${"ok\n".repeat(10)}TKT-7 and Pg-p4ss!w0rd\n`;
    const scan = await masker.scan(Readable.from([bytes(text)]), { chunkBytes: 4096 });
    expect(scan.firstLine).toEqual({ "aws-access-key-id": 50_001, ticket: 50_012, "secret-value": 50_012 });
    expect(scan.counts).toEqual({ "aws-access-key-id": 1, ticket: 1, "secret-value": 1 });
  });
});
