/**
 * Release step: pins the suite's own `uses:` references to the commit the
 * release is cut from, so that a caller who pins a release's SHA (or its
 * tag) runs exactly that commit's actions and bundles, not whatever `@v1`
 * points at that day.
 *
 *   npm run release:pin -- <commit-sha>     rewrite the references to <commit-sha>
 *   npm run release:pin -- --check          list references that are not a full commit SHA; exit 1 if any
 *
 * Why a rewrite: a `uses:` takes no expressions, and nothing GitHub offers
 * resolves "the commit this file came from" everywhere the suite runs. The
 * self-repository reference `$/path` (github.blog changelog 2026-07-30) does,
 * but only on github.com and only on runners 2.336.0 or newer, and the suite
 * also runs on GitHub Enterprise Server and older self-hosted runners.
 * `github.action_path` is a directory, not something `uses:` accepts, and in
 * a called workflow `github.workflow_sha`/`github.workflow_ref` describe the
 * caller (docs: "the github context is always associated with the caller
 * workflow"). So main keeps `@v1` (mutable, marked so) and every release
 * commit points at its parent's SHA, whose `actions/` and `dist/` are the
 * release's own.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = "ecs-alb-smoke/ecs-alb-smoke";
const SUITE_REF = new RegExp(
  `^(\\s*(?:-\\s+)?uses:\\s*)${REPO}/((?:actions/[a-z0-9-]+)|(?:\\.github/workflows/[a-z0-9-]+\\.ya?ml))@([^\\s#]+)(.*)$`,
);
const FULL_SHA = /^[0-9a-f]{40}$/;

export interface SuiteReference {
  file: string;
  line: number;
  target: string;
  ref: string;
}

/**
 * The files a caller in another repository runs: the root composite action
 * and every reusable (`workflow_call`) workflow. The repository's own CI may
 * use `./actions/...` after checking out the same commit; callers never run it.
 */
export function releasedFiles(root: string): string[] {
  const dir = join(root, ".github/workflows");
  const workflows = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f))
    .filter((f) => /^\s*workflow_call\s*:/m.test(readFileSync(f, "utf8")));
  return [join(root, "action.yml"), ...workflows.sort()];
}

/** Every `uses:` of the suite's own actions and workflows in `text`. */
export function suiteReferences(text: string, file = ""): SuiteReference[] {
  return text.split("\n").flatMap((line, i) => {
    const m = SUITE_REF.exec(line);
    return m ? [{ file, line: i + 1, target: m[2] as string, ref: m[3] as string }] : [];
  });
}

/** `text` with every suite reference pinned to `sha` and the "mutable" comment above it replaced. */
export function pinSuiteReferences(text: string, sha: string): string {
  if (!FULL_SHA.test(sha)) throw new Error(`'${sha}' is not a full 40-character commit SHA`);
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    const m = SUITE_REF.exec(line);
    if (!m) continue;
    lines[i] = `${m[1]}${REPO}/${m[2]}@${sha}${m[4]}`;
    const above = lines[i - 1] ?? "";
    const comment = /^(\s*)#.*mutable/i.exec(above);
    if (comment) {
      lines[i - 1] = `${comment[1]}# Pinned by scripts/release-pin.ts to the commit this release was cut from.`;
    }
  }
  return lines.join("\n");
}

/** References in the released files that a caller's SHA pin would not freeze. */
export function mutableReferences(root: string): SuiteReference[] {
  return releasedFiles(root).flatMap((f) =>
    suiteReferences(readFileSync(f, "utf8"), relative(root, f)).filter((r) => !FULL_SHA.test(r.ref)),
  );
}

/** Pins the released files under `root` to `sha`; returns what changed. */
export function pinRelease(root: string, sha: string): { file: string; references: number }[] {
  const changed: { file: string; references: number }[] = [];
  for (const f of releasedFiles(root)) {
    const before = readFileSync(f, "utf8");
    const after = pinSuiteReferences(before, sha);
    if (after !== before) {
      writeFileSync(f, after);
      changed.push({ file: relative(root, f), references: suiteReferences(after).length });
    }
  }
  return changed;
}

function main(args: string[]): number {
  const root = new URL("..", import.meta.url).pathname;
  if (args[0] === "--check") {
    const mutable = mutableReferences(root);
    for (const r of mutable) console.error(`${r.file}:${r.line}: ${REPO}/${r.target}@${r.ref} is not a commit SHA`);
    if (mutable.length > 0) {
      console.error(
        `${mutable.length} of the suite's own references are mutable. In a release commit run \`npm run release:pin -- <sha>\` first.`,
      );
      return 1;
    }
    console.log("Every reference to the suite's own actions and workflows is a full commit SHA.");
    return 0;
  }
  const sha = args[0] ?? "";
  if (!FULL_SHA.test(sha)) {
    console.error(
      "Usage: npm run release:pin -- <commit-sha> | --check\n<commit-sha> is the full 40-character SHA of the commit the release is cut from (git rev-parse HEAD).",
    );
    return 2;
  }
  for (const c of pinRelease(root, sha)) console.log(`${c.file}: ${c.references} references pinned to ${sha}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exit(main(process.argv.slice(2)));
