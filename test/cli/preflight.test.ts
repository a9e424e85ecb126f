/**
 * `ecs-alb-smoke preflight` on the incident (an execution role that cannot
 * read the new API-key secret), through the bundled CLI against the emulator,
 * next to the action's bundle on the same account: exit 1 with the report's
 * tables as text, and --json carrying the rows of the action's evidence JSON.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  API_KEY_SECRET,
  DB_SECRET,
  incidentTaskDefinition,
  scenario,
  secretsPolicy,
  workspaceWith,
} from "../actions/iam-simulate-preflight/scenario";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { runBundle } from "../harness/runner";
import { jsonDocument, runCli } from "./cli";

const TD_FILE = "deploy/task-definition.json";
let emu: RunningEmulator;

beforeEach(async () => {
  emu = await startEmulator({ scenario: scenario({}) });
});
afterEach(async () => {
  await emu.stop();
});

interface Report {
  result: string;
  rows: { principal: string; action: string; resource: string; decision: string }[];
  findings: unknown[];
}
/** A report without what differs between two runs of the same check (when it ran). */
const comparable = (r: Report) => ({ result: r.result, rows: r.rows, findings: r.findings });

describe("ecs-alb-smoke preflight", () => {
  it("on the incident exits 1 and prints the denied row in a text table", async () => {
    const cwd = workspaceWith(TD_FILE, incidentTaskDefinition());
    const r = await runCli(["preflight", "--task-definition", TD_FILE], {
      cwd,
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.split("\n");
    const header = lines.findIndex((l) => /^Principal\s+Action\s+Resource\s+Decision/.test(l));
    expect(header, r.stdout).toBeGreaterThan(0);
    expect(lines[header + 1]).toMatch(/^-+( +-+)+$/);
    const denied = lines.find((l) => l.includes("papyrus/prd/api-key-XyZ123"));
    expect(denied).toMatch(
      /execution role ecsTaskExecutionRole\s+secretsmanager:GetSecretValue\s+arn:aws:secretsmanager/,
    );
    expect(denied).toContain("implicit deny");
    expect(denied).toContain("container web, secret API_KEY");
    // Text, not markdown; no colour on a pipe.
    expect(r.stdout).not.toMatch(/^\|/m);
    expect(r.stdout).not.toContain("\u001b[");
    expect(r.stdout).toContain("preflight: FAIL");
    // The annotation's text, at the file and line of the valueFrom.
    expect(r.stderr).toMatch(
      /error: deploy\/task-definition\.json:\d+: The execution role .* is not allowed secretsmanager:GetSecretValue/,
    );
  });

  it("--json is one JSON document with the rows of the action's evidence JSON", async () => {
    const cwd = workspaceWith(TD_FILE, incidentTaskDefinition());
    const cli = await runCli(["preflight", "--task-definition", TD_FILE, "--json"], {
      cwd,
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(cli.code, cli.stderr).toBe(1);
    const doc = jsonDocument<{
      command: string;
      result: string;
      failure: string;
      outputs: { result: string; report: Report; "evidence-file": string; "denied-count": number };
    }>(cli);
    expect(doc.command).toBe("preflight");
    expect(doc.result).toBe("fail");
    expect(doc.outputs["denied-count"]).toBe(1);
    expect(doc.failure).toContain("IAM preflight failed");

    const action = await runBundle("iam-simulate-preflight", {
      workspace: workspaceWith(TD_FILE, incidentTaskDefinition()),
      inputs: { "task-definition": TD_FILE, comment: "false" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(action.code).toBe(1);
    const actionEvidence = JSON.parse(readFileSync(action.outputs["evidence-file"] ?? "", "utf8")) as Report;
    expect(actionEvidence.rows.length).toBeGreaterThan(3);
    expect(comparable(doc.outputs.report)).toEqual(comparable(actionEvidence));
    // The CLI wrote the same evidence file, in ./evidence of the working directory.
    expect(
      doc.outputs["evidence-file"].startsWith(`${cli.cwd}/evidence/`) ||
        doc.outputs["evidence-file"].includes("/evidence/"),
    ).toBe(true);
    const cliEvidence = JSON.parse(readFileSync(doc.outputs["evidence-file"], "utf8")) as Report;
    expect(comparable(cliEvidence)).toEqual(comparable(actionEvidence));
    const row = doc.outputs.report.rows.find((x) => x.resource === API_KEY_SECRET);
    expect(row?.decision).toBe("implicitDeny");
    expect(doc.outputs.report.rows.find((x) => x.resource === DB_SECRET)?.decision).toBe("allowed");
  });

  it("passes (exit 0) once the policy covers the new secret", async () => {
    await emu.stop();
    emu = await startEmulator({ scenario: scenario({ executionPolicy: secretsPolicy([DB_SECRET, API_KEY_SECRET]) }) });
    const cwd = workspaceWith(TD_FILE, incidentTaskDefinition());
    const r = await runCli(["preflight", "--task-definition", TD_FILE], {
      cwd,
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("preflight: PASS");
  });
});
