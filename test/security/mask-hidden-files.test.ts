/**
 * Issue 10 §2: with `path: .`, `.git/config` (holding the checkout's persisted
 * token) and `.env` were masked in place and uploaded. As actions/upload-artifact
 * >= 4.4: hidden files and folders are left out unless `include-hidden-files:
 * true`; `.git` never goes, whatever the inputs say. `if-no-files-found`,
 * `overwrite`, `artifact-url` and `artifact-digest` mean what they mean there.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningArtifactService, startArtifactService } from "../fakes/artifact-service";
import { errors, runBundle } from "../harness/runner";

const CHECKOUT_TOKEN = "ghs_PersistedCheckoutToken0123456789abcd";
const GIT_CONFIG = `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${Buffer.from(`x-access-token:${CHECKOUT_TOKEN}`).toString("base64")}\n`;

const services: RunningArtifactService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});
async function service() {
  const s = await startArtifactService();
  services.push(s);
  return s;
}

function checkout(): string {
  const ws = mkdtempSync(join(tmpdir(), "sec-hidden-"));
  mkdirSync(join(ws, ".git/refs"), { recursive: true });
  writeFileSync(join(ws, ".git/config"), GIT_CONFIG);
  writeFileSync(join(ws, ".git/HEAD"), "ref: refs/heads/main\n");
  writeFileSync(join(ws, ".env"), "DB_PASSWORD=from-dotenv-file\n");
  mkdirSync(join(ws, "evidence/.cache"), { recursive: true });
  writeFileSync(join(ws, "evidence/20251105_063210_healthz.log"), "HTTP/1.1 200 OK\n");
  writeFileSync(join(ws, "evidence/.cache/state"), "cached\n");
  return ws;
}

const names = (svc: RunningArtifactService) => (svc.uploads()[0]?.files ?? []).map((f) => f.name).sort();

describe("evidence-mask: hidden files (bundle, artifact fake)", () => {
  it("path: . uploads no hidden file and no .git, and leaves them untouched", async () => {
    const svc = await service();
    const ws = checkout();
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { path: ".", "artifact-name": "evidence" },
      env: svc.env,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const uploaded = names(svc);
    // Only the evidence file is left, so the archive's root is its directory (the deepest holding every file).
    expect(uploaded).toEqual(["20251105_063210_healthz.log", expect.stringMatching(/^\d{8}_\d{6}_mask_report\.json$/)]);
    expect(uploaded.some((n) => n.startsWith(".") || n.includes("/."))).toBe(false);
    expect(readFileSync(join(ws, ".git/config"), "utf8")).toBe(GIT_CONFIG);
    expect(r.stdout).toMatch(
      /hidden file\(s\) or folder\(s\) left out \(.*\.env.*\); set 'include-hidden-files: true'/,
    );
    expect(r.stdout).toContain(".git is never masked or uploaded");
    const report = readFileSync(r.outputs.report as string, "utf8");
    expect(report).not.toContain(".git/config");
  });

  it("include-hidden-files: true takes .env and hidden folders (masked), never .git, even when named outright", async () => {
    const svc = await service();
    const ws = checkout();
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: {
        path: ".\n.git/config",
        "include-hidden-files": "true",
        "secret-values": "from-dotenv-file",
        "artifact-name": "evidence",
      },
      env: svc.env,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const uploaded = names(svc);
    expect(uploaded).toContain(".env");
    expect(uploaded).toContain("evidence/.cache/state");
    expect(uploaded.some((n) => n.startsWith(".git/") || n === ".git")).toBe(false);
    const env = svc.uploads()[0]?.files.find((f) => f.name === ".env");
    expect(env?.data.toString("utf8")).toBe("DB_PASSWORD=****\n");
    for (const f of svc.uploads()[0]?.files ?? []) expect(f.data.toString("utf8")).not.toContain(CHECKOUT_TOKEN);
  });

  it("a path that names only .git or hidden files matches nothing: if-no-files-found warn (default), ignore, error", async () => {
    const ws = checkout();
    const warn = await runBundle("evidence-mask", { workspace: ws, inputs: { path: ".git/config\n.env" } });
    expect(warn.code, warn.stdout).toBe(0);
    expect(warn.annotations.filter((a) => a.level === "warning").map((a) => a.message)).toEqual([
      expect.stringMatching(/^No files were found with the provided path: \.git\/config, \.env/),
    ]);
    expect(warn.outputs).toMatchObject({ result: "clean", "masked-count": "0", report: "", "artifact-id": "" });
    const ignore = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { path: "nothing/**", "if-no-files-found": "ignore" },
    });
    expect(ignore.code).toBe(0);
    expect(ignore.annotations.filter((a) => a.level !== "debug")).toEqual([]);
    const error = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { path: ".env", "if-no-files-found": "error" },
    });
    expect(error.code).toBe(1);
    expect(errors(error).join("\n")).toMatch(
      /Input 'path': matched no files .*hidden file\(s\) or folder\(s\) left out/,
    );
    expect(readFileSync(join(ws, ".env"), "utf8")).toBe("DB_PASSWORD=from-dotenv-file\n");
  });
});

describe("evidence-mask: overwrite, artifact-url, artifact-digest (bundle, artifact fake)", () => {
  it("reports the artifact's URL and SHA-256; a second upload of the name fails with 409 unless overwrite: true", async () => {
    const svc = await service();
    const run = (extra: Record<string, string>) => {
      const ws = mkdtempSync(join(tmpdir(), "sec-over-"));
      mkdirSync(join(ws, "evidence"));
      writeFileSync(join(ws, "evidence/a.log"), "HTTP/1.1 200 OK\n");
      return runBundle("evidence-mask", {
        workspace: ws,
        inputs: { "artifact-name": "smoke", ...extra },
        env: svc.env,
      });
    };
    const first = await run({});
    expect(first.code, first.stdout).toBe(0);
    const [upload] = svc.uploads();
    expect(first.outputs["artifact-url"]).toBe(
      `https://github.com/octo-org/papyrus/actions/runs/4242424242/artifacts/${upload?.id}`,
    );
    expect(first.outputs["artifact-digest"]).toBe(
      createHash("sha256")
        .update(upload?.zip ?? "")
        .digest("hex"),
    );

    const again = await run({});
    expect(again.code).toBe(1);
    expect(errors(again).join("\n")).toMatch(/already exists in this workflow run: set 'overwrite: true'/);
    expect(again.outputs.result).toBe("clean");

    const replaced = await run({ overwrite: "true" });
    expect(replaced.code, replaced.stdout + replaced.stderr).toBe(0);
    const all = svc.uploads();
    expect(all.map((u) => [u.name, u.deleted])).toEqual([
      ["smoke", true],
      ["smoke", false],
    ]);
    expect(replaced.outputs["artifact-id"]).toBe(String(all[1]?.id));
    const calls = svc.requests.filter((q) => q.path.startsWith("/twirp/")).map((q) => q.path.split("/").pop());
    expect(calls.slice(-4)).toEqual(["ListArtifacts", "DeleteArtifact", "CreateArtifact", "FinalizeArtifact"]);
  });

  it("overwrite: true with no artifact of that name just uploads", async () => {
    const svc = await service();
    const ws = mkdtempSync(join(tmpdir(), "sec-over-"));
    mkdirSync(join(ws, "evidence"));
    writeFileSync(join(ws, "evidence/a.log"), "ok\n");
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { "artifact-name": "fresh", overwrite: "true" },
      env: svc.env,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(svc.uploads().map((u) => u.name)).toEqual(["fresh"]);
  });
});
