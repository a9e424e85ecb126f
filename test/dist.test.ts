/**
 * The committed bundles: one per action entry point, each declaring node24 in
 * its action.yml, and none carrying the emulator's AGPL IAM simulator; and the
 * record of what they were built from, which the harness compares with src/.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { asciiSource } from "../scripts/ascii-bundle.mjs";
import { mergeLicenses } from "../scripts/bundle-licenses.mjs";
import { distInputsHash, RECORD, recordDistInputs, staleDistMessage } from "../scripts/dist-inputs.mjs";
import { ROOT } from "./harness/runner";

const bundles = readdirSync(join(ROOT, "dist"), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe("dist/", () => {
  it("has a bundle for every main.ts and post.ts, and nothing else", () => {
    const expected: string[] = [];
    for (const name of readdirSync(join(ROOT, "src/actions"))) {
      if (existsSync(join(ROOT, "src/actions", name, "main.ts"))) expected.push(name);
      if (existsSync(join(ROOT, "src/actions", name, "post.ts"))) expected.push(`${name}-post`);
    }
    // The command line (src/cli/main.ts) is bundled like the actions, into dist/cli.
    if (existsSync(join(ROOT, "src/cli/main.ts"))) expected.push("cli");
    expect(bundles).toEqual(expected.sort());
    const files = readdirSync(join(ROOT, "dist"), { withFileTypes: true }).filter((e) => !e.isDirectory());
    expect(files.map((e) => e.name)).toEqual(["build-inputs.json"]);
  });

  it.each(bundles)(
    "%s contains no AGPL code (the emulator's @cloud-copilot/iam-simulate stays a devDependency)",
    (name) => {
      const licenses = readFileSync(join(ROOT, "dist", name, "licenses.txt"), "utf8");
      expect(licenses).not.toMatch(/AGPL|@cloud-copilot/);
      expect(readFileSync(join(ROOT, "dist", name, "index.js"), "utf8")).not.toContain("@cloud-copilot");
    },
  );
});

describe("licenses.txt lists the packages of every chunk (scripts/bundle-licenses.mjs)", () => {
  /** The package names licenses.txt lists: the first line of each notice. */
  const listed = (name: string) => {
    const text = readFileSync(join(ROOT, "dist", name, "licenses.txt"), "utf8");
    return text.split("\n").filter((line, i, lines) => (i === 0 || lines[i - 1] === "") && /^[@a-z]/.test(line));
  };

  it.each(bundles)("%s: the start-up script's packages, and the seam's chunk's (@actions/core, undici)", (name) => {
    expect(listed(name)).toContain("yaml");
    // The command line never reaches @actions/core (test/cli/), so it has no seam chunk.
    if (name !== "cli") expect(listed(name)).toEqual(expect.arrayContaining(["@actions/core", "undici"]));
    expect(readdirSync(join(ROOT, "dist", name)).filter((f) => f.endsWith(".txt"))).toEqual(["licenses.txt"]);
  });

  it("evidence-mask: the packages of each of its chunks (STS, Secrets Manager, artifact)", () => {
    expect(listed("evidence-mask")).toEqual(
      expect.arrayContaining(["@aws-sdk/client-sts", "@aws-sdk/client-secrets-manager", "@azure/storage-blob", "yaml"]),
    );
  });

  it("every dynamic import under src/ names its chunk: ncc lists the packages nested in a chunk only when it has a name", () => {
    const sources = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
      );
    const unnamed = sources("src").flatMap((file) =>
      [
        ...readFileSync(join(ROOT, file), "utf8").matchAll(
          /(?<!typeof\s+)\bimport\s*\((?!\s*\/\*\s*webpackChunkName:)/g,
        ),
      ].map((m) => `${file}@${m.index}`),
    );
    expect(unnamed).toEqual([]);
  });

  it("merges per-chunk notices: each package once, sorted, a text's line naming a package not taken for a notice", () => {
    const packages = new Set(["alpha", "beta", "gamma"]);
    const a = "beta\nMIT\nThe beta license.\n\nalpha\n\ngamma\nISC\nThe gamma license.\n";
    const b = "alpha\nMIT\nThe alpha license.\n\n\ngamma\nISC\nThe gamma license.";
    // In a, "alpha" after beta's license is a line of beta's text (the plugin sorts notices), not alpha's notice.
    expect(mergeLicenses([a, b], packages)).toBe(
      "alpha\nMIT\nThe alpha license.\n\nbeta\nMIT\nThe beta license.\n\nalpha\n\ngamma\nISC\nThe gamma license.\n",
    );
    expect(() => mergeLicenses(["not a package\nMIT\n"], packages)).toThrow(/does not start with a package name/);
  });
});

describe("bundles in one byte per character (scripts/ascii-bundle.mjs)", () => {
  const scripts = bundles.flatMap((b) =>
    readdirSync(join(ROOT, "dist", b))
      .filter((f) => f.endsWith(".js"))
      .map((f) => `${b}/${f}`),
  );

  it.each(scripts)("dist/%s has no non-ASCII character (V8 keeps it as a one-byte string)", (file) => {
    const text = readFileSync(join(ROOT, "dist", file), "utf8");
    expect(text.match(/[^\x00-\x7f]/gu) ?? []).toEqual([]);
  });

  // Each line is a statement whose value the program collects: the escaped program must compute the same.
  const LS = "\u2028";
  const NBSP = "\u00a0";
  const program = [
    'out.push("it’s … — ✅");',
    'out.push("identity escape: \\’");',
    `out.push("line continuation: a\\${LS}b");`,
    `out.push("in a string: a${LS}b");`,
    `var x = 1; // a comment ’ that ends here:${LS} x = 2;`,
    "out.push(x);",
    `/* a block comment with a line terminator${LS} */ out.push("after the comment");`,
    `var${NBSP}spaced${NBSP}=${NBSP}"no-break spaces between tokens"; out.push(spaced);`,
    'var ä = "identifier"; out.push(ä);',
    'var 𝑥 = "astral identifier"; out.push(𝑥);',
    'out.push(/^[😀’]$/u.test("😀"), /^.$/u.test("😀"), /^..$/.test("😀"), /’/.test("it’s"), /\\’/.test("’"));',
    "var who = 'you'; out.push(`template ’ ${who} — ${'…'}`);",
    "out.push(String.raw`raw ’ \\u0041`);",
    "out.push((function f() { return 'ß'; })());",
  ].join("\n");
  const run = (source: string) => {
    const out: unknown[] = [];
    runInNewContext(source, { out });
    return JSON.stringify(out);
  };

  it("escapes every non-ASCII character but a tagged template's, and the program computes the same", () => {
    const { source, kept } = asciiSource(program);
    expect(run(source)).toBe(run(program));
    expect(kept).toBe(1);
    expect(source.match(/[^\x00-\x7f]/gu)).toEqual(["’"]);
    expect(JSON.parse(run(program))).toContain(2);
    expect(source).toContain('out.push("it\\u2019s \\u2026 \\u2014 \\u2705");');
    expect(source).toContain("var \\u00e4 =");
    expect(source).toContain("var \\u{1d465} =");
    // The two line terminators outside literals (in the comments) are newlines now; those in strings are escapes.
    expect(source.split("\n")).toHaveLength(program.split("\n").length + 2);
  });

  it("leaves ASCII as it is and refuses what it cannot parse", () => {
    expect(asciiSource("var a = '\\u00e9';\n")).toEqual({ source: "var a = '\\u00e9';\n", kept: 0 });
    expect(() => asciiSource("var é = ;")).toThrow(/cannot parse/);
  });
});

describe("dist/build-inputs.json", () => {
  /** A scratch project with the build's inputs: src/, tsconfig.json, scripts/build.mjs, package-lock.json. */
  function scratch(): string {
    const root = mkdtempSync(join(tmpdir(), "dist-inputs-"));
    mkdirSync(join(root, "src/lib"), { recursive: true });
    mkdirSync(join(root, "scripts"));
    mkdirSync(join(root, "dist"));
    writeFileSync(join(root, "src/lib/a.ts"), "export const a = 1;\n");
    writeFileSync(join(root, "tsconfig.json"), "{}\n");
    writeFileSync(join(root, "scripts/build.mjs"), "// build\n");
    writeFileSync(join(root, "scripts/ascii-bundle.mjs"), "// escapes\n");
    writeFileSync(join(root, "scripts/bundle-licenses.mjs"), "// licenses\n");
    const lock = {
      packages: {
        "": { name: "x" },
        "node_modules/yaml": { version: "2.9.1", integrity: "sha512-a" },
        "node_modules/vitest": { version: "3.2.7", integrity: "sha512-b", dev: true },
      },
    };
    writeFileSync(join(root, "package-lock.json"), JSON.stringify(lock));
    return root;
  }

  it("is what the repository's dist/ was built from: the harness accepts it", () => {
    expect(JSON.parse(readFileSync(join(ROOT, RECORD), "utf8"))).toEqual({ sha256: distInputsHash(ROOT) });
    expect(staleDistMessage(ROOT)).toBeUndefined();
  });

  it("is refused, saying to run `npm run build`, when missing or when any input changed since the build", () => {
    const root = scratch();
    try {
      expect(staleDistMessage(root)).toMatch(/has no dist\/build-inputs\.json.*Run `npm run build`/);
      recordDistInputs(root);
      expect(staleDistMessage(root)).toBeUndefined();
      const built = distInputsHash(root);
      for (const [file, edit] of [
        ["src/lib/a.ts", "export const a = 2;\n"],
        ["src/lib/new.ts", "export {};\n"],
        ["tsconfig.json", '{ "compilerOptions": {} }\n'],
        ["scripts/build.mjs", "// build 2\n"],
        ["scripts/ascii-bundle.mjs", "// escapes 2\n"],
        ["scripts/bundle-licenses.mjs", "// licenses 2\n"],
      ] as const) {
        const before = existsSync(join(root, file)) ? readFileSync(join(root, file)) : undefined;
        writeFileSync(join(root, file), edit);
        expect(staleDistMessage(root), file).toMatch(
          /built from other sources than the current src\/.*`npm run build`/,
        );
        if (before) writeFileSync(join(root, file), before);
        else rmSync(join(root, file));
        expect(distInputsHash(root), file).toBe(built);
      }
      // A renamed file with the same content is a different input.
      cpSync(join(root, "src/lib/a.ts"), join(root, "src/lib/b.ts"));
      rmSync(join(root, "src/lib/a.ts"));
      expect(distInputsHash(root)).not.toBe(built);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("follows the bundled packages of package-lock.json, not the devDependencies", () => {
    const root = scratch();
    try {
      const built = distInputsHash(root);
      const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
      lock.packages["node_modules/vitest"].version = "3.2.8";
      writeFileSync(join(root, "package-lock.json"), JSON.stringify(lock));
      expect(distInputsHash(root)).toBe(built);
      lock.packages["node_modules/yaml"].version = "2.9.2";
      writeFileSync(join(root, "package-lock.json"), JSON.stringify(lock));
      expect(distInputsHash(root)).not.toBe(built);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
