/**
 * The actions declare `runs.using: node24`; the runner runs them with its own
 * Node 24, so the end-to-end tests do too (test/harness/runner.ts spawns every
 * bundle with the pinned binary from scripts/node24.ts). The SDK's releases
 * after January 2027 need Node >= 22: these tests keep the bundles working there.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { NODE24_VERSION, node24Path } from "../scripts/node24";
import { scenario, taskDefinition, workspaceWith } from "./actions/iam-simulate-preflight/scenario";
import { type RunningEmulator, startEmulator } from "./emulator/server";
import { bundleNode, ROOT, runBundle } from "./harness/runner";

// The actions' bundles (the folders of dist/, not its build-inputs.json); the command line (dist/cli) has its own case below.
const bundles = readdirSync(join(ROOT, "dist"), { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== "cli")
  .map((e) => e.name)
  .sort();

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

describe("bundles run under the Node the actions declare", () => {
  it("every action declares node24 and the pinned binary is a Node 24", () => {
    for (const name of readdirSync(join(ROOT, "actions"))) {
      const meta = parse(readFileSync(join(ROOT, "actions", name, "action.yml"), "utf8")) as {
        runs: { using: string };
      };
      expect(meta.runs.using, name).toBe("node24");
    }
    expect(NODE24_VERSION.split(".")[0]).toBe("24");
  });

  it("the end-to-end tests spawn bundles with the pinned Node 24, not the machine's node", () => {
    expect(bundleNode()).toBe(node24Path());
    expect(execFileSync(bundleNode(), ["--version"], { encoding: "utf8" }).trim()).toBe(`v${NODE24_VERSION}`);
  });

  it.each(bundles)("%s loads under Node 24 and ends with its own message, not a crash", async (name) => {
    // evidence-mask, like actions/upload-artifact, only warns when nothing matches and needs no input: give it a bad one.
    const inputs: Record<string, string> = name === "evidence-mask" ? { "if-no-files-found": "sometimes" } : {};
    const result = await runBundle(name, {
      inputs,
      env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined },
    });
    // With no (or a bad) input a main step names the input; a post step with no state has nothing to undo.
    if (name.endsWith("-post")) expect(result.code, result.stderr).toBe(0);
    else {
      expect(result.code, result.stderr).toBe(1);
      expect(result.annotations.find((a) => a.level === "error")?.message).toMatch(/^Input '[a-z-]+'/);
    }
    expect(result.stderr).not.toMatch(/SyntaxError|ERR_[A-Z_]+|DeprecationWarning|Warning:/);
    expect(result.stdout).not.toMatch(/\n\s+at /);
  });

  it("the command line loads under Node 24 and a bad flag is a usage error (exit 2), not a crash", () => {
    let code = 0;
    let stderr = "";
    try {
      execFileSync(bundleNode(), [join(ROOT, "dist/cli/index.js"), "preflight", "--no-such-flag"], {
        encoding: "utf8",
        stdio: "pipe",
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
      });
    } catch (error) {
      const e = error as { status: number; stderr: string };
      code = e.status;
      stderr = e.stderr;
    }
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(/no-such-flag/);
    expect(stderr).not.toMatch(/SyntaxError|ERR_[A-Z_]+|DeprecationWarning|Warning:|\n\s+at /);
  });

  it("AWS calls under Node 24 succeed without the SDK's Node-version support warning", async () => {
    emu = await startEmulator({ scenario: scenario({}) });
    const workspace = workspaceWith("td.json", taskDefinition([{ name: "web" }]));
    const result = await runBundle("iam-simulate-preflight", {
      workspace,
      inputs: { "task-definition": "td.json", comment: "false" },
      // The warning is left enabled here (the harness disables it elsewhere):
      // under Node < 22 the SDK prints NodeVersionSupportWarning on every client.
      env: { AWS_ENDPOINT_URL: emu.endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined },
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.outputs.result).toBe("pass");
    expect(emu.emulator.requests.some((r) => r.service === "iam" && r.action === "SimulatePrincipalPolicy")).toBe(true);
    expect(result.stderr).not.toContain("NodeVersionSupportWarning");
  });
});
