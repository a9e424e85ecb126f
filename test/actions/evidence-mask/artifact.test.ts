import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningArtifactService, startArtifactService } from "../../fakes/artifact-service";
import { errors, runBundle } from "../../harness/runner";
import { ACCESS_KEY_ID, API_SECRET, CALLER_ACCOUNT, CORPUS_FILES, DB_PASSWORD, plantedIn, writeCorpus } from "./corpus";

const services: RunningArtifactService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

async function service(opts: Parameters<typeof startArtifactService>[0] = {}) {
  const s = await startArtifactService(opts);
  services.push(s);
  return s;
}

const inputs = {
  "secret-values": `${DB_PASSWORD}\n${API_SECRET}`,
  "account-ids": CALLER_ACCOUNT,
  "artifact-name": "smoke-evidence",
};

describe("evidence-mask artifact upload (loopback artifact service)", () => {
  it("uploads exactly the masked files and the report, with none of the planted values", async () => {
    const svc = await service();
    const ws = mkdtempSync(join(tmpdir(), "mask-art-"));
    const written = writeCorpus(ws);
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { ...inputs, "retention-days": 7 },
      env: svc.env,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [upload, ...more] = svc.uploads();
    expect(more).toEqual([]);
    expect(upload).toBeDefined();
    if (!upload) return;
    expect(r.outputs["artifact-id"]).toBe(String(upload.id));
    expect(upload.name).toBe("smoke-evidence");
    expect(upload.expiresAt).toBeDefined();
    const days = (Date.parse(upload.expiresAt ?? "") - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(7);

    // The root is the evidence directory, as actions/upload-artifact picks it.
    const reportName = (r.outputs.report as string).split("/").pop() as string;
    const expectedNames = [...written.map((w) => w.replace(/^evidence\//, "")), reportName].sort();
    expect(upload.files.map((f) => f.name).sort()).toEqual(expectedNames);
    for (const f of upload.files) {
      const text = f.data.toString("utf8");
      expect(plantedIn(text), f.name).toEqual([]);
      if (f.name !== reportName) expect(text).toBe(readFileSync(join(ws, "evidence", f.name), "utf8"));
    }
    expect(upload.reportedSize).toBe(upload.zip.length);
    expect(r.summary).toContain(
      `Uploaded artifact [\`smoke-evidence\`](https://github.com/octo-org/papyrus/actions/runs/4242424242/artifacts/${upload.id}) (id ${upload.id})`,
    );

    // An independent reader agrees on the archive's contents.
    const zipPath = join(ws, "downloaded.zip");
    writeFileSync(zipPath, upload.zip);
    const listing = execFileSync("unzip", ["-Z1", zipPath], { encoding: "utf8" }).trim().split("\n").sort();
    expect(listing.filter((n) => !n.endsWith("/"))).toEqual(expectedNames);
    expect(Object.keys(CORPUS_FILES).length + 1).toBe(expectedNames.length);

    const calls = svc.requests.map(
      (q) => `${q.method} ${q.path.startsWith("/twirp/") ? q.path.split("/").pop() : "blob"} ${q.status}`,
    );
    expect(calls[0]).toBe("POST CreateArtifact 200");
    expect(calls.at(-1)).toBe("POST FinalizeArtifact 200");
    expect(calls.filter((c) => c === "PUT blob 201").length).toBe(upload.blockCount + 1);
  });

  it("uploads nothing when verification fails", async () => {
    const svc = await service();
    const ws = mkdtempSync(join(tmpdir(), "mask-art-"));
    writeCorpus(ws, { "evidence/a.log": () => `key ${ACCESS_KEY_ID}\n` });
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      inputs: { mode: "verify", "artifact-name": "smoke-evidence" },
      env: svc.env,
    });
    expect(r.code).toBe(1);
    expect(errors(r).join("\n")).toMatch(/Nothing was uploaded/);
    expect(svc.requests).toEqual([]);
    expect(r.outputs["artifact-id"]).toBe("");
  });

  it("fails with the service's reason when the artifact cannot be created, after masking", async () => {
    const svc = await service({ createStatus: 409 });
    const ws = mkdtempSync(join(tmpdir(), "mask-art-"));
    writeCorpus(ws, { "evidence/a.log": () => `key ${ACCESS_KEY_ID}\n` });
    const r = await runBundle("evidence-mask", { workspace: ws, inputs: { "artifact-name": "dup" }, env: svc.env });
    expect(r.code).toBe(1);
    expect(errors(r).join("\n")).toMatch(/Uploading artifact 'dup' failed: .*409.*The masked files are still in place/);
    expect(readFileSync(join(ws, "evidence/a.log"), "utf8")).toBe("key ****\n");
  });

  it("explains what is missing when the Actions runtime variables are absent", async () => {
    const ws = mkdtempSync(join(tmpdir(), "mask-art-"));
    writeCorpus(ws, { "evidence/a.log": () => "nothing\n" });
    const r = await runBundle("evidence-mask", { workspace: ws, inputs: { "artifact-name": "x" } });
    expect(r.code).toBe(1);
    expect(errors(r).join("\n")).toMatch(/needs the Actions runtime \(ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL\)/);
  });
});
