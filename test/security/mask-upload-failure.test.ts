/**
 * Issue 10 §1: when the upload failed, the step set no outputs at all, so a
 * later step could not read `result`, `masked-count` or `report` of the masking
 * that had happened. They are set from the masking, and the step still fails.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startArtifactService } from "../fakes/artifact-service";
import { errors, runBundle } from "../harness/runner";

describe("evidence-mask: outputs when the upload fails (bundle, artifact fake)", () => {
  it("sets result, masked-count and report, then fails with the service's reason", async () => {
    const svc = await startArtifactService({ createStatus: 409 });
    try {
      const ws = mkdtempSync(join(tmpdir(), "sec-up-"));
      mkdirSync(join(ws, "evidence"));
      writeFileSync(join(ws, "evidence/a.log"), "key AKIAIOSFODNN7EXAMPLE\n");
      const r = await runBundle("evidence-mask", {
        workspace: ws,
        inputs: { "artifact-name": "smoke-evidence" },
        env: { ...svc.env },
      });
      expect(r.code).toBe(1);
      expect(errors(r).join("\n")).toMatch(
        /Uploading artifact 'smoke-evidence' failed: .*The masked files are still in place/,
      );
      expect(r.outputs.result).toBe("masked");
      expect(r.outputs["masked-count"]).toBe("1");
      expect(JSON.parse(readFileSync(r.outputs.report as string, "utf8")).maskedCount).toBe(1);
      expect(r.outputs["artifact-id"]).toBe("");
      expect(readFileSync(join(ws, "evidence/a.log"), "utf8")).toBe("key ****\n");
    } finally {
      await svc.stop();
    }
  });
});
