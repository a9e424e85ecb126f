/**
 * File names in the evidence folder are anyone's: a fork's pull request, an app that writes its own logs there.
 * The job summary shows each as text (a code span), and the job log never carries a line the runner would run
 * as a workflow command: a hidden file named `.x\n::stop-commands::zz` made the runner ignore every later
 * `::add-mask::` of the step, the caller's account ID and the secret values among them.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBundle } from "../harness/runner";
import { runnerCommand, runnerLines } from "../harness/runner-commands";

const LINK_NAME = "[Signed report](https&#58;&#47;&#47;evil.example&#47;r).log";
const HEADING_NAME = "b\n## Safe to merge\n![](https:evil.example.png).log";
const STOP_NAME = ".x\n::stop-commands::zz\n##[add-matcher]m.json";
const LEGACY_NAME = "found ##[add-matcher]m.json.log";
const SECRET = "Xk9#pL2vQw-hostile-names";

describe("evidence-mask: hostile file names (bundle)", () => {
  it("summary cells are code spans; the log carries no command but the suite's own", async () => {
    const ws = mkdtempSync(join(tmpdir(), "sec-names-"));
    mkdirSync(join(ws, "evidence"));
    for (const name of [LINK_NAME, HEADING_NAME, LEGACY_NAME])
      writeFileSync(join(ws, "evidence", name), `pw=${SECRET}\n`);
    writeFileSync(join(ws, "evidence", STOP_NAME), "hidden\n");
    const r = await runBundle("evidence-mask", {
      workspace: ws,
      // The directory form: its walk picks up names holding a newline too.
      inputs: { path: "evidence", "secret-values": SECRET, "artifact-name": "" },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.result).toBe("masked");

    const commands = runnerLines(r.stdout).flatMap((l) => runnerCommand(l) ?? []);
    expect(commands.length).toBeGreaterThan(0);
    // What @actions/core writes for the suite (masks, annotations, groups); never stop-commands or add-matcher.
    expect(new Set(commands)).toEqual(
      new Set(commands.filter((c) => ["add-mask", "debug", "notice", "warning", "error"].includes(c))),
    );
    // The hidden name was logged (left out), its command broken.
    expect(r.stdout).toContain("stop-commands");
    expect(r.stdout).toContain("add-matcher");

    const summary = r.summary;
    expect(summary).toContain("`evidence/[Signed report](https&#58;&#47;&#47;evil.example&#47;r).log`");
    expect(summary).not.toMatch(/^## Safe to merge/m);
    expect(summary).not.toMatch(/^!\[\]/m);
    expect(summary).toContain("`evidence/b ## Safe to merge ![](https:evil.example.png).log`");
    expect(summary).not.toContain(SECRET);
  });
});
