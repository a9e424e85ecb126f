/**
 * Issue 10 §6: pinning a SHA freezes the whole suite. A caller who pins a
 * release's commit runs that commit's actions and bundles: every reference the
 * root composite action and the reusable workflows make to the suite's own
 * actions is, in a release, the full SHA of a commit whose actions/ and dist/
 * are the release's own. The release is cut as the README says, in a scratch
 * git repository holding this tree's released files.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { mutableReferences, pinRelease, releasedFiles, suiteReferences } from "../../scripts/release-pin";
import { ROOT } from "../harness/runner";
import { suiteActionDir, suiteWorkflow } from "../harness/suite-refs";
import { wiringProblems } from "../workflows/lint";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=release", "-c", "user.email=release@example.invalid", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();

/** Every `uses:` in a workflow or composite action, parsed (not grepped). */
function usesOf(file: string): string[] {
  const doc = parse(readFileSync(file, "utf8")) as {
    runs?: { steps?: { uses?: string }[] };
    jobs?: Record<string, { uses?: string; steps?: { uses?: string }[] }>;
  };
  const steps = [...(doc.runs?.steps ?? []), ...Object.values(doc.jobs ?? {}).flatMap((j) => j.steps ?? [])];
  return [...steps.map((s) => s.uses), ...Object.values(doc.jobs ?? {}).map((j) => j.uses)].filter(
    (u): u is string => typeof u === "string",
  );
}

const suiteUses = (file: string) => usesOf(file).filter((u) => suiteActionDir(u) ?? suiteWorkflow(u));

/** A scratch repository with this tree's released files, actions and a stand-in for each bundle. */
function scratchRepository(): string {
  const repo = mkdtempSync(join(tmpdir(), "release-"));
  for (const f of releasedFiles(ROOT)) {
    const rel = f.slice(ROOT.length + 1);
    mkdirSync(dirname(join(repo, rel)), { recursive: true });
    cpSync(f, join(repo, rel));
  }
  cpSync(join(ROOT, "actions"), join(repo, "actions"), { recursive: true });
  for (const name of ["ephemeral-alb", "iam-simulate-preflight"]) {
    mkdirSync(join(repo, "dist", name), { recursive: true });
    writeFileSync(join(repo, "dist", name, "index.js"), `// bundle of ${name}\n`);
  }
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "main: the commit a release is cut from");
  return repo;
}

describe("release pins", () => {
  it("on main the suite's own references are the mutable @v1 the release step rewrites, and --check says so", () => {
    const mutable = mutableReferences(ROOT);
    // Every internal reference of the released files is one the release step finds.
    const found = releasedFiles(ROOT).flatMap((f) => suiteReferences(readFileSync(f, "utf8")));
    expect(found.length).toBe(releasedFiles(ROOT).flatMap(suiteUses).length);
    expect(mutable.map((r) => r.ref)).toEqual(found.map(() => "v1"));
    // A released file may not point at ./actions: that resolves in the caller's workspace, not here.
    for (const f of releasedFiles(ROOT)) expect(usesOf(f).filter((u) => u.startsWith("./"))).toEqual([]);
  });

  it("a release commit references only its source commit, whose actions and bundles are the release's own", () => {
    const repo = scratchRepository();
    const source = git(repo, "rev-parse", "HEAD");
    const changed = pinRelease(repo, source);
    expect(changed.map((c) => c.file).sort()).toEqual([
      ".github/workflows/alb-smoke.yml",
      ".github/workflows/preflight.yml",
      "action.yml",
    ]);
    git(repo, "commit", "-q", "-am", "Release v1.9.0: the suite's own references pinned");
    git(repo, "tag", "v1.9.0");
    const release = git(repo, "rev-parse", "v1.9.0");

    expect(mutableReferences(repo)).toEqual([]);
    for (const file of releasedFiles(repo)) {
      const refs = suiteUses(file);
      expect(refs.length).toBeGreaterThan(0);
      for (const uses of refs) {
        expect(uses).toMatch(new RegExp(`@${source}$`));
        // The pinned commit exists, is the release's parent, and has what the reference names.
        const target = (suiteActionDir(uses) ?? suiteWorkflow(uses)) as string;
        const path = target.endsWith(".yml") ? target : `${target}/action.yml`;
        expect(git(repo, "cat-file", "-t", `${source}:${path}`)).toBe("blob");
      }
      // The pinned files still pass the wiring checks (inputs, outputs, pins).
      expect(wiringProblems(file)).toEqual([]);
      // No comment in a release calls these references mutable.
      expect(readFileSync(file, "utf8")).not.toMatch(/#.*mutable @v1/i);
    }
    expect(git(repo, "rev-parse", `${release}^`)).toBe(source);
    // What a SHA pin of the release runs is exactly the release's actions and bundles.
    expect(git(repo, "diff", "--name-only", source, release, "--", "actions", "dist")).toBe("");
  });

  it("refuses anything but a full commit SHA", () => {
    const repo = scratchRepository();
    expect(() => pinRelease(repo, "v1")).toThrow(/not a full 40-character commit SHA/);
    expect(() => pinRelease(repo, "0123abc")).toThrow(/not a full 40-character commit SHA/);
    expect(mutableReferences(repo).length).toBeGreaterThan(0);
  });
});
