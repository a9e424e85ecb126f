/**
 * Issue 10 §8, kept from coming back: every job summary, annotation, step
 * failure and PR comment is written through src/lib/job-report.ts, where
 * account IDs are masked (`mask-account-ids`). No other file in src/ may
 * write one; every action and both reusable workflows declare the input and
 * hand it to each of the suite's steps; a bad value fails every action before
 * anything happens.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { build, type Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { albInputs, registerInputs } from "../actions/ephemeral-alb/cycle";
import { incidentTaskDefinition, workspaceWith } from "../actions/iam-simulate-preflight/scenario";
import { type CliResult, jsonDocument, WORKFLOW_COMMAND } from "../cli/cli";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { ROOT, runBundle } from "../harness/runner";

/** Every action of the suite, as the repository holds them: a new one is covered without editing this test. */
const ACTIONS = readdirSync(join(ROOT, "actions")).sort();
const SEAM = "src/lib/job-report.ts";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** The code of a file without its comments (a comment may name `core.summary`). */
function code(file: string): string {
  return readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
}

/** Ways to reach the summary, an annotation, a step failure or a comment body without the seam. */
const BYPASSES: [string, RegExp][] = [
  ["@actions/core's summary, annotations or setFailed", /\bcore\s*\.\s*(?:summary|error|warning|notice|setFailed)\b/],
  [
    "a named import of them",
    /import\s*\{[^}]*\b(?:summary|error|warning|notice|setFailed)\b[^}]*\}\s*from\s*["']@actions\/core["']/,
  ],
  // Reading the path in order to write to it (runner-files.ts only checks, by name, that the file is writable).
  ["the summary file itself", /\benv(?:\.GITHUB_STEP_SUMMARY|\[\s*["'`]GITHUB_STEP_SUMMARY)/],
  [
    "a workflow command written by hand",
    /["'`]::(?:error|warning|notice)\b|issueCommand|issue\(\s*["'](?:error|warning)/,
  ],
  ["@actions/core's internals", /@actions\/core\/lib\//],
];

describe("one seam writes every summary, annotation and comment", () => {
  const files = sources(join(ROOT, "src")).map((f) => relative(ROOT, f));

  it.each(BYPASSES)("no file but the seam uses %s", (_what, pattern) => {
    const offenders = files.filter((f) => f !== SEAM && pattern.test(code(join(ROOT, f))));
    expect(offenders).toEqual([]);
  });

  it("the guard finds a bypass (it would have found the ones before the fix)", () => {
    const before = [
      "core.summary.addRaw(md).write()",
      "(level === 'error' ? core.error : core.warning)(message, { title })",
      'import { warning } from "@actions/core";',
      "if (env.GITHUB_STEP_SUMMARY) await write(x);",
      "console.log(`::warning::${m}`)",
    ];
    for (const line of before)
      expect(
        BYPASSES.some(([, p]) => p.test(line)),
        line,
      ).toBe(true);
  });

  it("comments are created and updated only in pr-comment.ts, with the body and marker passed through the seam", () => {
    const offenders = files.filter((f) => /\.(?:createComment|updateComment)\s*\(/.test(code(join(ROOT, f))));
    expect(offenders).toEqual(["src/lib/pr-comment.ts"]);
    const prComment = code(join(ROOT, "src/lib/pr-comment.ts"));
    expect(prComment).toContain("const body = forReport(opts.body);");
    expect(prComment).toContain("const marker = forReport(opts.marker);");
    expect(prComment).not.toMatch(/(?:create|update)Comment\([^)]*opts\.body/);
  });
});

/** The runner seam (issue 12 §1): the only files that may talk to @actions/core. */
const RUNNER_SEAM = ["src/lib/job-report.ts", "src/lib/run-action.ts"];
/** An import or require of @actions/core (or a file inside it), static or dynamic. */
const IMPORTS_CORE =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']@actions\/core(?:\/[^"']*)?["']/m;

/** job-report.ts's functions that write to the runner (summary, annotations, failure) or set how it masks. */
const REPORT_WRITERS = ["annotate", "configureJobReport", "failStep", "writeSummary"];
/** An import of job-report that names one of them, imports the whole module, or imports it dynamically. */
const IMPORTS_REPORT_WRITER = new RegExp(
  String.raw`(?:import\s*\{[^}]*\b(?:${REPORT_WRITERS.join("|")})\b[^}]*\}\s*from\s*|import\s*\*\s*as\s+\w+\s+from\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["'][./]*(?:[^"']*/)?job-report(?:\.[jt]s)?["']`,
);

describe("one seam between the runner and the actions", () => {
  const files = sources(join(ROOT, "src")).map((f) => relative(ROOT, f));

  it("no file under src/ but the seam imports @actions/core", () => {
    const offenders = files.filter((f) => !RUNNER_SEAM.includes(f) && IMPORTS_CORE.test(code(join(ROOT, f))));
    expect(offenders).toEqual([]);
    for (const seam of RUNNER_SEAM) expect(IMPORTS_CORE.test(code(join(ROOT, seam))), seam).toBe(true);
  });

  it("the guard finds an import of @actions/core in any form", () => {
    for (const line of [
      'import * as core from "@actions/core";',
      "import { info } from '@actions/core';",
      'const core = await import("@actions/core");',
      'const { summary } = require("@actions/core/lib/summary");',
      'import type { AnnotationProperties } from "@actions/core";',
    ])
      expect(IMPORTS_CORE.test(line), line).toBe(true);
    expect(IMPORTS_CORE.test('import { annotate } from "../../lib/job-report";')).toBe(false);
  });

  it("job-report's runner-writing functions are the seam's own: only run-action.ts imports them", () => {
    const importers = files.filter(
      (f) => f !== "src/lib/job-report.ts" && IMPORTS_REPORT_WRITER.test(code(join(ROOT, f))),
    );
    expect(importers).toEqual(["src/lib/run-action.ts"]);
    // What job-report exports that writes to the runner is exactly the list the guard knows.
    const exported = [...code(join(ROOT, "src/lib/job-report.ts")).matchAll(/^export (?:async )?function (\w+)/gm)]
      .map((m) => m[1] as string)
      .filter((name) => REPORT_WRITERS.includes(name));
    expect(exported.sort()).toEqual([...REPORT_WRITERS].sort());
  });

  it("the guard finds an import of a runner-writing function of job-report in any form", () => {
    for (const line of [
      'import { annotate, forReport } from "./job-report";',
      'import { forReport,\n  writeSummary } from "../../lib/job-report";',
      'import { failStep as fail } from "../lib/job-report.js";',
      'import * as report from "./job-report";',
      'const { configureJobReport } = await import("../lib/job-report");',
    ])
      expect(IMPORTS_REPORT_WRITER.test(line), line).toBe(true);
    for (const line of [
      'import { forReport } from "./job-report";',
      'import { fitSummary, STEP_SUMMARY_LIMIT_BYTES } from "../lib/job-report";',
      'import { annotatorFor } from "../../lib/annotations";',
    ])
      expect(IMPORTS_REPORT_WRITER.test(line), line).toBe(false);
  });

  it.each(ACTIONS)("%s's entry points are the same few lines: inputs, the seam's deps, run", (name) => {
    const dir = join(ROOT, "src/actions", name);
    const main = code(join(dir, "main.ts"));
    // The common shape: the step's own name, its input reader, and its run with the deps.ts wiring of the seam.
    const call = main.match(
      /^await runAction\(\s*"([a-z-]+)",\s*read\w*Inputs,\s*\(inputs, seam\) =>\s*run\w*\(inputs, actionDeps\((?:inputs, )?seam\)\),?\s*\);$/m,
    );
    expect(call?.[1], main).toBe(name);
    const imports = main.match(/^import .*$/gm) ?? [];
    expect(imports.map((l) => l.replace(/\{[^}]*\}/, "{}")).sort(), main).toEqual([
      'import {} from "../../lib/run-action";',
      'import {} from "./deps";',
      'import {} from "./inputs";',
      'import {} from "./run";',
    ]);
    expect(main.split("\n").filter((l) => l.trim() !== "").length).toBeLessThanOrEqual(7);
    const post = join(dir, "post.ts");
    if (readdirSync(dir).includes("post.ts")) {
      const text = code(post);
      expect(text).toMatch(/^await runPost\("[a-z-]+", \(seam\) => \w+\(postDeps\(seam\)\)\);$/m);
      expect(text.split("\n").filter((l) => l.trim() !== "").length).toBeLessThanOrEqual(4);
    }
  });

  it.each(ACTIONS)("%s's deps.ts only wires: the seam, the action's clients and functions, no control flow", (name) => {
    const deps = code(join(ROOT, "src/actions", name, "deps.ts"));
    expect(deps).toMatch(
      /^export function actionDeps\((?:inputs: \w+, )?seam: ActionDeps(?:, env: NodeJS\.ProcessEnv = process\.env)?\)/m,
    );
    // No loops, no error handling, nothing awaited: what happens at run time is the logic's, in run() and its modules.
    expect(deps).not.toMatch(/\b(?:for|while|try|catch|await|async)\b/);
    // Packages are the logic's business too (clients come from the action's clients.ts).
    expect(deps).not.toMatch(/from "(?![./])/);
  });
});

/**
 * The module graph a bundler builds from `entry` (esbuild, as it bundles:
 * packages included, type-only imports erased), and where it reaches
 * @actions/core: each file that imports it (statically or dynamically; a
 * require() of it does not resolve, and the build throws), with the chain of
 * imports from the entry that leads there.
 */
async function coreReach(entry: { file: string } | { code: string }) {
  const { metafile } = await build({
    absWorkingDir: ROOT,
    ...("file" in entry
      ? { entryPoints: [entry.file] }
      : {
          stdin: {
            contents: entry.code,
            loader: "ts",
            resolveDir: join(ROOT, "src/cli"),
            sourcefile: "guard-entry.ts",
          },
        }),
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    outfile: join(ROOT, "cli-graph.js"),
    metafile: true,
    logLevel: "silent",
  });
  const inputs: Metafile["inputs"] = metafile.inputs;
  // A given code is a (virtual) file next to main.ts, named so in the graph.
  const start = "file" in entry ? entry.file : "src/cli/guard-entry.ts";
  const from = new Map<string, string>();
  const queue = [start];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const i of inputs[file]?.imports ?? []) {
      if (from.has(i.path) || i.path === start) continue;
      from.set(i.path, file);
      queue.push(i.path);
    }
  }
  const chain = (file: string): string[] => {
    const up = from.get(file);
    return up === undefined ? [file] : [...chain(up), file];
  };
  const isCore = (path: string) => /(?:^|\/)node_modules\/@actions\/core\//.test(path);
  const offenders = Object.entries(inputs)
    .filter(([file]) => !isCore(file))
    .flatMap(([file, { imports }]) =>
      imports
        .filter((i) => isCore(i.path) || /^@actions\/core(?:\/|$)/.test(i.original ?? ""))
        .map((i) => `${chain(file).join(" -> ")} -> ${i.original ?? i.path} (${i.kind})`),
    );
  return { files: Object.keys(inputs), offenders, reachesCore: Object.keys(inputs).some(isCore) };
}

/** Writes to stdout that do not go through the console (CliConsole): they would break --json's one document. */
const WRITES_STDOUT = /\bprocess\s*\.\s*stdout\b|\bconsole\s*\.\s*(?:log|info|debug|dir|table)\s*\(/;

describe("the command line never reaches @actions/core", () => {
  // Outside a runner @actions/core writes workflow commands to stdout: a stray `core.setSecret`
  // would print `::add-mask::<secret>` on the terminal. The command line builds its own seam
  // (src/cli/deps.ts, cliSeam) and takes only types from run-action.ts.
  let graph: Awaited<ReturnType<typeof coreReach>>;
  beforeAll(async () => {
    graph = await coreReach({ file: "src/cli/main.ts" });
  }, 60_000);

  it("no module reachable from src/cli/main.ts imports it, and no module of it is in the graph", () => {
    expect(graph.offenders).toEqual([]);
    expect(graph.reachesCore).toBe(false);
  });

  it("the graph is the command line's: every action's run, the CLI's seam and the SDK clients", () => {
    for (const name of ACTIONS) expect(graph.files, name).toContain(`src/actions/${name}/run.ts`);
    expect(graph.files).toContain("src/cli/deps.ts");
    expect(graph.files).toContain("src/lib/saved-state.ts");
    expect(graph.files.some((f) => f.includes("node_modules/@aws-sdk/client-elastic-load-balancing-v2/"))).toBe(true);
    // The runner's seam and what only a runner uses stay out.
    for (const runnerOnly of ["src/lib/run-action.ts", "src/lib/job-report.ts", "src/lib/pr-comment.ts"])
      expect(graph.files).not.toContain(runnerOnly);
  });

  it("nothing it runs writes to stdout but its console", () => {
    const offenders = graph.files.filter(
      (f) =>
        f.startsWith("src/") &&
        f.endsWith(".ts") &&
        f !== "src/cli/console.ts" &&
        WRITES_STDOUT.test(code(join(ROOT, f))),
    );
    expect(offenders).toEqual([]);
  });

  it("the guard finds @actions/core reached in any form, directly or through other modules", async () => {
    // [entry code, the chain's start and its last import as the guard names them]
    const cases: [string, RegExp][] = [
      [
        'import { setSecret } from "@actions/core";\nsetSecret("s");',
        /^src\/cli\/guard-entry\.ts -> @actions\/core \(import-statement\)$/,
      ],
      [
        'export async function f() { const core = await import("@actions/core"); core.info("x"); }',
        /^src\/cli\/guard-entry\.ts -> @actions\/core \(dynamic-import\)$/,
      ],
      // Through the runner's seam: runnerDeps() builds its log on @actions/core (however the seam imports it).
      [
        'import { runnerDeps } from "../lib/run-action";\nrunnerDeps().log.secret("s");',
        /^src\/cli\/guard-entry\.ts -> src\/lib\/run-action\.ts -> @actions\/core \((?:import-statement|dynamic-import)\)$/m,
      ],
      // Through a package that uses it.
      [
        'import { DefaultArtifactClient } from "@actions/artifact";\nnew DefaultArtifactClient();',
        /^src\/cli\/guard-entry\.ts -> node_modules\/@actions\/artifact\/.* -> @actions\/core \(import-statement\)$/m,
      ],
    ];
    for (const [code, offender] of cases) {
      const found = await coreReach({ code });
      expect(found.reachesCore, code).toBe(true);
      expect(found.offenders.join("\n"), code).toMatch(offender);
    }
    // @actions/core is ESM only: a require() of it (or of a file inside it) does not resolve, so the graph's
    // build fails, and with it the checks above.
    for (const code of [
      'const core = require("@actions/core");\ncore.info("x");',
      'require("@actions/core/lib/summary");',
    ])
      await expect(coreReach({ code }), code).rejects.toThrow(/Could not resolve "@actions\/core(?:\/lib\/summary)?"/);
    // A type-only import is erased (the bundle never loads it), as in the CLI's imports of run-action.ts.
    const typeOnly = await coreReach({
      code: 'import type { ActionDeps } from "../lib/run-action";\nexport const x: ActionDeps | undefined = undefined;',
    });
    expect(typeOnly).toMatchObject({ offenders: [], reachesCore: false });
  }, 60_000);

  it("the stdout guard finds a stray write", () => {
    for (const line of ['console.log("x")', "process.stdout.write(s)", "console . info(x)"])
      expect(WRITES_STDOUT.test(line), line).toBe(true);
    expect(WRITES_STDOUT.test('console.error("x")')).toBe(false);
  });
});

/**
 * @actions/core's workflow-command writers as a committed bundle carries them (ncc keeps each module's path and
 * names): outside a runner they print `::add-mask::<secret>` and the like on stdout.
 */
const CORE_COMMAND_WRITERS: [string, RegExp][] = [
  ["a module of @actions/core", /node_modules\/@actions\/core\//],
  ["issueCommand or issueFileCommand", /\bfunction\s+issue(?:File)?Command\s*\(/],
  ["its `::` command string", /\bCMD_STRING\s*=\s*["'`]::["'`]/],
  [
    "a workflow command in a string",
    /["'`]::(?:add-mask|debug|error|warning|notice|group|endgroup|set-output|save-state|set-env|add-path|stop-commands|echo|add-matcher|remove-matcher)\b/,
  ],
];

/** Every chunk of a committed bundle, without its comment lines (a comment may name `::add-mask::`). */
function bundleCode(name: string): string {
  const dir = join(ROOT, "dist", name);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".js"))
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n")
    .split("\n")
    .filter((line) => !/^\s*(?:\*|\/\*|\/\/(?! CONCATENATED MODULE:| NAMESPACE OBJECT:))/.test(line))
    .join("\n");
}

describe("the committed command line (dist/cli) carries none of @actions/core's workflow-command writers", () => {
  // The graph above is the source's; this is what `node scripts/build.mjs` made of it and what the package's `bin`
  // runs. test/cli/ runs it and reads its stdout (jsonDocument, expectNoWorkflowCommand in test/cli/cli.ts).
  it.each(CORE_COMMAND_WRITERS)("dist/cli has no %s", (_what, pattern) => {
    expect(bundleCode("cli")).not.toMatch(pattern);
  });

  it("the guard finds them in an action's bundle, which reaches @actions/core through the runner's seam", () => {
    const action = bundleCode("ephemeral-alb");
    for (const [what, pattern] of CORE_COMMAND_WRITERS.slice(0, 3)) expect(action, what).toMatch(pattern);
    const [, literal] = CORE_COMMAND_WRITERS[3] as [string, RegExp];
    for (const line of ['process.stdout.write("::add-mask::" + v)', "out(`::warning file=${f}::${m}`)", "'::debug::x'"])
      expect(literal.test(line), line).toBe(true);
    expect(literal.test('const sep = "::";')).toBe(false);
  });
  it("the stdout guard of test/cli/ refuses anything beside the one documented document, and workflow commands", () => {
    const doc = { command: "probe", action: "http-evidence-probe", result: "pass", outputs: {} };
    const run = (stdout: string, stderr = ""): CliResult => ({ code: 0, signal: null, stdout, stderr, cwd: ROOT });
    const printed = `${JSON.stringify(doc, null, 2)}\n`;
    expect(jsonDocument(run(printed))).toEqual(doc);
    for (const [stdout, stderr] of [
      [`::add-mask::hunter2\n${printed}`, ""],
      [`${printed}probe: PASS\n`, ""],
      [JSON.stringify(doc), ""],
      [`${JSON.stringify({ ...doc, extra: 1 }, null, 2)}\n`, ""],
      [printed, "[   0.1s] Probing\n::warning file=a.json::x\n"],
    ] as const)
      expect(() => jsonDocument(run(stdout, stderr)), stdout + stderr).toThrow();
    for (const line of ["::add-mask::s", "::debug::x", "::error file=a,line=1::m", "::stop-commands::tok3n"])
      expect(WORKFLOW_COMMAND.test(`progress\n${line}\n`), line).toBe(true);
    expect(WORKFLOW_COMMAND.test('  "arn": "arn:aws:iam::123456789012:role/x"')).toBe(false);
  });
});

describe("the mask-account-ids input", () => {
  const yaml = (path: string) => parse(readFileSync(join(ROOT, path), "utf8"));

  it.each(ACTIONS)("%s declares it (default true) and documents it in its README", (name) => {
    const action = yaml(`actions/${name}/action.yml`);
    expect(action.inputs["mask-account-ids"]).toMatchObject({ required: false, default: "true" });
    expect(action.inputs["mask-account-ids"].description).toMatch(/Outputs always carry the real ARNs/);
    const readme = readFileSync(join(ROOT, "actions", name, "README.md"), "utf8");
    expect(readme).toMatch(/\| `mask-account-ids` \| `true` \| .*`\*{12}`.*GITHUB_OUTPUT.*\|/);
  });

  it.each(["action.yml", ".github/workflows/alb-smoke.yml", ".github/workflows/preflight.yml"])(
    "%s declares it and hands it to every one of the suite's steps",
    (file) => {
      const doc = yaml(file) as ActionDoc & WorkflowDoc;
      const composite = file === "action.yml";
      const declared = (composite ? doc.inputs : doc.on.workflow_call.inputs)["mask-account-ids"];
      expect(String(declared?.default)).toBe("true");
      const steps = composite ? doc.runs.steps : Object.values(doc.jobs).flatMap((j) => j.steps ?? []);
      const suiteSteps = steps.filter((s) => (s.uses ?? "").includes("ecs-alb-smoke/ecs-alb-smoke/actions/"));
      expect(suiteSteps.length).toBeGreaterThan(0);
      for (const step of suiteSteps) {
        expect(step.with?.["mask-account-ids"], step.uses).toBe("${{ inputs.mask-account-ids }}");
      }
    },
  );

  it("the root README's security notes explain it", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toMatch(/mask-account-ids: false/);
    expect(readme).toMatch(/outputs[^.]*keep the real ARNs/i);
  });
});

interface Step {
  uses?: string;
  with?: Record<string, string>;
}
interface ActionDoc {
  inputs: Record<string, { default?: unknown }>;
  runs: { steps: Step[] };
}
interface WorkflowDoc {
  on: { workflow_call: { inputs: Record<string, { default?: unknown }> } };
  jobs: Record<string, { steps?: Step[] }>;
}

describe("mask-account-ids: maybe", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu?.stop();
  });

  const TG = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/tg/73e2d6bc24d8a067";
  const inputsOf: Record<string, () => Promise<Record<string, string | number | boolean>>> = {
    "ephemeral-alb": () => albInputs(),
    "register-fargate-targets": async () => registerInputs(TG),
    "http-evidence-probe": async () => ({ "base-url": "http://127.0.0.1:9", "log-group": "off" }),
    "iam-simulate-preflight": async () => ({ "task-definition": "deploy/task-definition.json", comment: false }),
    "secrets-rds-drift": async () => ({ "secret-id": "papyrus/prd/db", comment: false }),
    "evidence-mask": async () => ({ path: "deploy/**", "artifact-name": "evidence" }),
  };

  it("covers every action", () => {
    expect(Object.keys(inputsOf).sort()).toEqual(ACTIONS);
  });

  it.each(ACTIONS)("%s fails before anything happens, naming the input and what to do", async (name) => {
    const before = emu.emulator.requests.length;
    const workspace = workspaceWith("deploy/task-definition.json", incidentTaskDefinition());
    const r = await runBundle(name, {
      workspace,
      inputs: { ...(await inputsOf[name]?.()), "mask-account-ids": "maybe" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code).toBe(1);
    const errors = r.annotations.filter((a) => a.level === "error").map((a) => a.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^Input 'mask-account-ids': must be true or false, got 'maybe'\. Leave it out \(account IDs are masked\), or set false/,
    );
    expect(r.stdout).not.toMatch(/^\s+at /m);
    expect(r.outputs).toEqual({});
    expect(r.state).toEqual({});
    expect(r.summary).toBe("");
    expect(emu.emulator.requests.length).toBe(before);
    expect(readdirSync(workspace).sort()).toEqual(["deploy"]);
  });
});
