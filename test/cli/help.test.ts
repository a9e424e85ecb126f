/**
 * `--help` of every subcommand against its action.yml, read here on its own
 * (not through the generated module the CLI embeds): every input is listed
 * with its description and default, as a flag or as set by the command.
 * Bad flags exit 2 with a clear message; a bad value gets the action's own
 * message, the one the action's bundle gives for the same input.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SIMPLE_COMMANDS } from "../../src/cli/commands";
import { SMOKE_SPEC } from "../../src/cli/smoke";
import { ROOT, runBundle } from "../harness/runner";
import { runCli } from "./cli";

const ACTION_FILES: Record<string, string> = {
  smoke: "action.yml",
  preflight: "actions/iam-simulate-preflight/action.yml",
  drift: "actions/secrets-rds-drift/action.yml",
  probe: "actions/http-evidence-probe/action.yml",
  mask: "actions/evidence-mask/action.yml",
  sweep: "actions/ephemeral-alb/action.yml",
};
const SPECS = [SMOKE_SPEC, ...SIMPLE_COMMANDS.map((c) => c.spec)];

interface YamlInput {
  description?: string;
  required?: boolean | string;
  default?: string | number | boolean;
}

/** The lines of one flag's entry in --help: from its `  --name` line to the next entry. */
function entry(help: string, first: RegExp): string[] | undefined {
  const lines = help.split("\n");
  const start = lines.findIndex((l) => first.test(l));
  if (start < 0) return undefined;
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && /^ {6}/.test(lines[i] as string); i++) out.push(lines[i] as string);
  return out;
}

describe("ecs-alb-smoke --help", () => {
  it("names every command and covers every action", () => {
    expect(SPECS.map((s) => s.name).sort()).toEqual(Object.keys(ACTION_FILES).sort());
  });

  it.each(SPECS.map((s) => [s.name, s] as const))(
    "%s --help lists every input of its action.yml with its description and default",
    async (name, spec) => {
      const result = await runCli([name, "--help"]);
      expect(result.code, result.stderr).toBe(0);
      const help = result.stdout;
      const doc = parse(readFileSync(join(ROOT, ACTION_FILES[name] as string), "utf8")) as {
        inputs: Record<string, YamlInput>;
      };
      const names = Object.keys(doc.inputs);
      expect(names.length).toBeGreaterThan(3);
      for (const [input, def] of Object.entries(doc.inputs)) {
        const description = String(def.description ?? "").trim();
        const fixed = spec.fixed?.[input];
        if (fixed) {
          // Set by the command: listed with its value and the action's description, and not a flag.
          const lines = entry(help, new RegExp(`^  ${input}: `));
          expect(lines, `${name}: ${input} under "Set by"`).toBeDefined();
          expect(lines?.map((l) => l.trim()).join("\n")).toBe(description);
          expect(help).not.toMatch(new RegExp(`^  --${input}[ ,]`, "m"));
          continue;
        }
        const lines = entry(help, new RegExp(`^  --${input}( <value>|, --no-${input})$`));
        expect(lines, `${name}: --${input}`).toBeDefined();
        const body = (lines ?? []).map((l) => l.slice(6));
        expect(body[0], `${name}: --${input} description`).toBe(description);
        const defaultValue = def.default === undefined ? "" : String(def.default).replace(/\n$/, "");
        const shown = body.findIndex((l) => l.startsWith("default: "));
        if (defaultValue === "") {
          expect(shown, `${name}: --${input} has no default`).toBe(-1);
        } else {
          const text = [body[shown]?.slice("default: ".length), ...body.slice(shown + 1).map((l) => l.slice(9))];
          expect(text.join("\n"), `${name}: --${input} default`).toBe(defaultValue);
        }
        expect(body.includes("required"), `${name}: --${input} required`).toBe(
          def.required === true || def.required === "true",
        );
      }
    },
  );

  it("the embedded inputs are those of the committed action.yml files", () => {
    // Fails when an action.yml changed and src/cli/action-inputs.json was not regenerated.
    expect(() =>
      execFileSync(process.execPath, [join(ROOT, "scripts/cli-inputs.mjs"), "--check"], { stdio: "pipe" }),
    ).not.toThrow();
  });
});

describe("ecs-alb-smoke usage errors exit 2", () => {
  it("an unknown flag, a flag the command sets, a stray argument, an unknown command", async () => {
    const unknown = await runCli(["preflight", "--task-defintion", "td.json"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--task-defintion'");
    expect(unknown.stderr).toContain("ecs-alb-smoke preflight --help");
    expect(unknown.stdout).toBe("");

    const fixed = await runCli(["sweep", "--mode", "create"]);
    expect(fixed.code).toBe(2);
    expect(fixed.stderr).toContain("--mode is set by 'sweep' itself");

    const stray = await runCli(["probe", "http://127.0.0.1:9/"]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("takes flags only, got the argument 'http://127.0.0.1:9/'");

    const command = await runCli(["smok"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'smok'");

    const boolean = await runCli(["probe", "--url", "http://127.0.0.1:9/", "--insecure=maybe"]);
    expect(boolean.code).toBe(2);
    expect(boolean.stderr).toContain("Flag --insecure takes no value or =true/=false, got 'maybe'");
  });

  it.each([
    ["probe", "http-evidence-probe", { url: "ftp://example.test/", "timeout-seconds": "10" }],
    ["probe", "http-evidence-probe", { url: "http://127.0.0.1:9/", "timeout-seconds": "ten" }],
    ["sweep", "ephemeral-alb", { mode: "sweep", "older-than-minutes": "-3" }],
    ["preflight", "iam-simulate-preflight", { "execution-role-arn": "ecsTaskExecutionRole" }],
    ["mask", "evidence-mask", { "min-secret-length": "0" }],
  ] as const)("%s: a bad value exits 2 with the message %s gives", async (command, action, inputs) => {
    const fromAction = await runBundle(action, { inputs });
    const actionError = fromAction.annotations.find((a) => a.level === "error")?.message ?? "";
    expect(actionError).toMatch(/^Input '/);
    const flags = Object.entries(inputs)
      .filter(([k]) => !(command === "sweep" && k === "mode"))
      .map(([k, v]) => `--${k}=${v}`);
    const fromCli = await runCli([command, ...flags]);
    expect(fromCli.code, fromCli.stderr).toBe(2);
    expect(fromCli.stderr).toContain(actionError);
    expect(fromCli.stdout).toBe("");
  });

  it("a boolean input is --x / --no-x / --x=false, and --x with --no-x contradicts", async () => {
    const both = await runCli(["probe", "--url", "http://127.0.0.1:9/", "--insecure", "--no-insecure"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--insecure and --no-insecure contradict each other");
  });
});
