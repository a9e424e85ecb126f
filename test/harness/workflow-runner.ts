/**
 * Runs one job of one of the suite's workflows on this machine the way the
 * Actions runner would: steps in order with their `if:` conditions, `with:`
 * inputs interpolated from `inputs`, `steps.<id>.outputs`, `github`, `env`;
 * the suite's own actions run from their committed dist/ bundles (through the
 * harness), `run:` steps run in bash, and post steps run in reverse order at
 * the end. Third-party actions (configure-aws-credentials, checkout, ...) are
 * not fetched: the caller supplies a stand-in or they are reported as skipped.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { condition, type ExpressionContext, interpolate, type Value } from "./expressions";
import { ROOT, type RunResult, startBundle } from "./runner";
import { suiteActionDir, suiteWorkflow } from "./suite-refs";

export interface WorkflowStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string | boolean;
  shell?: string;
  "continue-on-error"?: boolean;
}

export interface StepRecord {
  label: string;
  id: string | undefined;
  phase: "main" | "post";
  status: "success" | "failure" | "skipped";
  note?: string;
  result?: RunResult;
}

export interface WorkflowRunOptions {
  /** Path relative to the repository root, e.g. `.github/workflows/alb-smoke.yml`. */
  workflow: string;
  job?: string;
  inputs?: Record<string, string | number | boolean>;
  /** Environment every step gets (AWS_ENDPOINT_URL, credentials, GITHUB_API_URL ...). */
  env?: Record<string, string>;
  workspace?: string;
  /**
   * Stand-ins for third-party actions, by `owner/name` (without @ref); they may write into the workspace. A stand-in
   * that throws fails its step (its message becomes an `error` annotation, as the action's `core.setFailed` would).
   */
  external?: Record<
    string,
    (inputs: Record<string, string>, job: { workspace: string }) => Promise<{ outputs?: Record<string, string> }>
  >;
  onStep?: (record: StepRecord) => void;
  stepTimeoutMs?: number;
  /** The triggering event's payload and name (GITHUB_EVENT_PATH / GITHUB_EVENT_NAME). */
  event?: unknown;
  eventName?: string;
  /** The `needs` context: outputs and result of the jobs this one depends on. */
  needs?: Record<string, { outputs: Record<string, string>; result: "success" | "failure" | "skipped" }>;
}

export interface WorkflowRunResult {
  steps: StepRecord[];
  outputs: Record<string, string>;
  /** The job's outcome: failure if any step failed without continue-on-error. */
  failed: boolean;
  /** The job's own `if:` was false: no step ran. */
  skipped: boolean;
  summary: string;
  workspace: string;
}

interface ActionMetadata {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; main?: string; post?: string; "post-if"?: string; steps?: WorkflowStep[] };
}

export function readActionMetadata(dir: string): ActionMetadata {
  return parse(readFileSync(join(ROOT, dir, "action.yml"), "utf8")) as ActionMetadata;
}

function bundleName(entry: string): string {
  // ../../dist/<name>/index.js -> <name>
  const m = /dist\/([^/]+)\/index\.js$/.exec(entry);
  if (!m) throw new Error(`action entry ${entry} is not a dist/<name>/index.js bundle`);
  return m[1] as string;
}

export async function runWorkflowJob(opts: WorkflowRunOptions): Promise<WorkflowRunResult> {
  const doc = parse(readFileSync(resolve(ROOT, opts.workflow), "utf8")) as {
    on?: {
      workflow_call?: { inputs?: Record<string, { default?: unknown }>; outputs?: Record<string, { value: string }> };
    };
    env?: Record<string, unknown>;
    jobs: Record<
      string,
      { steps: WorkflowStep[]; if?: string | boolean; env?: Record<string, unknown>; outputs?: Record<string, string> }
    >;
  };
  const jobName = opts.job ?? Object.keys(doc.jobs)[0];
  const job = jobName ? doc.jobs[jobName] : undefined;
  if (!job || !jobName) throw new Error(`${opts.workflow} has no job ${opts.job ?? ""}`);
  const workspace = opts.workspace ?? mkdtempSync(join(tmpdir(), "eas-wf-"));
  const runnerTemp = mkdtempSync(join(tmpdir(), "eas-rt-"));

  const inputs: Record<string, Value> = {};
  for (const [name, decl] of Object.entries(doc.on?.workflow_call?.inputs ?? {})) {
    if (decl.default !== undefined) inputs[name] = decl.default as Value;
  }
  Object.assign(inputs, opts.inputs ?? {});
  const steps: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  const github: Record<string, Value> = {
    run_id: "4242424242",
    run_attempt: "1",
    repository: "octo-org/papyrus",
    repository_owner: "octo-org",
    job: jobName,
    workspace,
    sha: "0123456789abcdef0123456789abcdef01234567",
    ref: "refs/heads/main",
    ref_name: "main",
    event_name: opts.eventName ?? "workflow_dispatch",
    event: (opts.event ?? {}) as Value,
    server_url: "https://github.com",
    api_url: opts.env?.GITHUB_API_URL ?? "https://api.github.com",
    token: "ghs_emulatedworkflowtoken000000000000",
    action_path: ROOT,
  };
  const env: Record<string, string> = {};
  let jobFailed = false;
  const ctx = (): ExpressionContext => ({
    contexts: {
      inputs,
      github,
      steps: steps as unknown as Value,
      env,
      secrets: { GITHUB_TOKEN: String(github.token) },
      runner: { temp: runnerTemp, os: "Linux" },
      job: { status: jobFailed ? "failure" : "success" },
      vars: {},
      needs: (opts.needs ?? {}) as unknown as Value,
      matrix: {},
      strategy: {},
    },
    jobFailed,
  });
  for (const [k, v] of Object.entries({ ...(doc.env ?? {}), ...(job.env ?? {}) }))
    env[k] = interpolate(String(v), ctx());
  if (!condition(job.if, ctx()))
    return { steps: [], outputs: {}, failed: false, skipped: true, summary: "", workspace };

  const eventOptions = { event: opts.event ?? {}, eventName: opts.eventName ?? "workflow_dispatch" };
  const records: StepRecord[] = [];
  const posts: Array<{
    label: string;
    id: string | undefined;
    bundle: string;
    postIf: string;
    main: RunResult;
    inputs: Record<string, string>;
  }> = [];
  let summary = "";
  const report = (r: StepRecord) => {
    records.push(r);
    opts.onStep?.(r);
  };

  for (const [index, step] of job.steps.entries()) {
    const label = step.name ?? step.id ?? step.uses ?? `step ${index + 1}`;
    if (!condition(step.if, ctx())) {
      if (step.id) steps[step.id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
      report({ label, id: step.id, phase: "main", status: "skipped" });
      continue;
    }
    const stepEnv: Record<string, string> = { ...(opts.env ?? {}), ...env };
    for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(String(v), ctx());
    let result: RunResult | undefined;
    if (step.run !== undefined) {
      result = await startBundle(label, {
        command: ["bash", "-eo", "pipefail", "-c", interpolate(step.run, ctx())],
        env: stepEnv,
        workspace,
        runnerTemp,
        ...eventOptions,
        timeoutMs: opts.stepTimeoutMs ?? 120_000,
      }).result;
    } else if (step.uses) {
      const dir = suiteActionDir(step.uses);
      const withInputs: Record<string, string> = {};
      for (const [k, v] of Object.entries(step.with ?? {})) withInputs[k] = interpolate(String(v), ctx());
      if (dir === undefined) {
        const key = step.uses.replace(/@.*$/, "");
        const standIn = opts.external?.[key];
        if (!standIn) {
          report({ label, id: step.id, phase: "main", status: "skipped", note: `${step.uses} is not run here` });
          if (step.id) steps[step.id] = { outputs: {}, outcome: "success", conclusion: "success" };
          continue;
        }
        let out: { outputs?: Record<string, string> };
        try {
          out = await standIn(withInputs, { workspace });
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          if (!step["continue-on-error"]) jobFailed = true;
          if (step.id) {
            steps[step.id] = {
              outputs: {},
              outcome: "failure",
              conclusion: step["continue-on-error"] ? "success" : "failure",
            };
          }
          report({ label, id: step.id, phase: "main", status: "failure", note: `stand-in failed: ${message}` });
          continue;
        }
        if (step.id) steps[step.id] = { outputs: out.outputs ?? {}, outcome: "success", conclusion: "success" };
        report({ label, id: step.id, phase: "main", status: "success", note: "stand-in" });
        continue;
      }
      const meta = readActionMetadata(dir);
      if (!meta.runs.main) throw new Error(`${dir}/action.yml is not a node action`);
      const actionInputs: Record<string, string> = {};
      for (const [name, decl] of Object.entries(meta.inputs ?? {})) {
        if (decl.default !== undefined) actionInputs[name] = interpolate(String(decl.default), ctx());
      }
      Object.assign(actionInputs, withInputs);
      result = await startBundle(bundleName(meta.runs.main), {
        inputs: actionInputs,
        env: stepEnv,
        workspace,
        runnerTemp,
        ...eventOptions,
        timeoutMs: opts.stepTimeoutMs ?? 300_000,
      }).result;
      if (meta.runs.post) {
        posts.push({
          label,
          id: step.id,
          bundle: bundleName(meta.runs.post),
          postIf: meta.runs["post-if"] ?? "always()",
          main: result,
          inputs: actionInputs,
        });
      }
    } else {
      throw new Error(`step ${label} has neither run nor uses`);
    }
    summary += result.summary;
    Object.assign(env, result.env);
    const ok = result.code === 0;
    if (!ok && !step["continue-on-error"]) jobFailed = true;
    if (step.id) {
      steps[step.id] = {
        outputs: result.outputs,
        outcome: ok ? "success" : "failure",
        conclusion: ok || step["continue-on-error"] ? "success" : "failure",
      };
    }
    report({ label, id: step.id, phase: "main", status: ok ? "success" : "failure", result });
  }

  for (const post of posts.reverse()) {
    if (!condition(post.postIf, ctx())) {
      report({ label: post.label, id: post.id, phase: "post", status: "skipped" });
      continue;
    }
    const result = await startBundle(post.bundle, {
      inputs: post.inputs,
      state: post.main.state,
      env: { ...(opts.env ?? {}), ...env },
      workspace,
      runnerTemp,
      ...eventOptions,
      timeoutMs: opts.stepTimeoutMs ?? 300_000,
    }).result;
    summary += result.summary;
    if (result.code !== 0) jobFailed = true;
    report({
      label: post.label,
      id: post.id,
      phase: "post",
      status: result.code === 0 ? "success" : "failure",
      result,
    });
  }

  const outputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(job.outputs ?? {})) outputs[name] = interpolate(value, ctx());
  return { steps: records, outputs, failed: jobFailed, skipped: false, summary, workspace };
}

export interface CallerRunOptions extends Omit<WorkflowRunOptions, "workflow" | "inputs" | "job" | "workspace"> {
  /** The caller, e.g. `workflows-examples/matrix-smoke.yml`, and its job that `uses:` a suite workflow. */
  workflow: string;
  job?: string;
  /** Run only the first N legs of the matrix. */
  legs?: number;
  /** The called workflow's job to run for each leg. */
  calledJob?: string;
}

/**
 * Runs a caller job that `uses:` one of the suite's reusable workflows, one
 * leg per `strategy.matrix` combination (its `include:` list, or the cross
 * product of its axes, plus `include:` entries), each with its own workspace as on its own runner,
 * `with:` interpolated with the leg's `matrix` context. Legs run one after
 * the other; what they share (the run id, the artifact service) is what
 * parallel legs share.
 */
export async function runCallerJob(
  opts: CallerRunOptions,
): Promise<{ leg: Record<string, Value>; run: WorkflowRunResult }[]> {
  const doc = parse(readFileSync(resolve(ROOT, opts.workflow), "utf8")) as {
    jobs: Record<
      string,
      { uses?: string; with?: Record<string, unknown>; strategy?: { matrix?: Record<string, unknown> } }
    >;
  };
  const jobName = opts.job ?? (Object.keys(doc.jobs)[0] as string);
  const job = doc.jobs[jobName];
  const called = job?.uses ? suiteWorkflow(job.uses) : undefined;
  if (!job || !called) throw new Error(`${opts.workflow} job ${jobName} does not call one of the suite's workflows`);
  const { include, ...axes } = (job.strategy?.matrix ?? {}) as { include?: Record<string, Value>[] } & Record<
    string,
    Value[]
  >;
  let legs: Record<string, Value>[] = [{}];
  for (const [axis, values] of Object.entries(axes))
    legs = legs.flatMap((l) => values.map((v) => ({ ...l, [axis]: v })));
  // Entries of `include:` add legs (the common use: a list of combinations).
  if (include) legs = Object.keys(axes).length > 0 ? [...legs, ...include] : include;
  const results: { leg: Record<string, Value>; run: WorkflowRunResult }[] = [];
  for (const leg of legs.slice(0, opts.legs ?? legs.length)) {
    const ctx: ExpressionContext = {
      contexts: { matrix: leg, github: { run_id: "4242424242", run_attempt: "1" }, inputs: {}, vars: {}, secrets: {} },
      jobFailed: false,
    };
    const inputs: Record<string, string> = {};
    for (const [k, v] of Object.entries(job.with ?? {})) inputs[k] = interpolate(String(v), ctx);
    const { legs: _legs, calledJob, job: _job, ...rest } = opts;
    results.push({ leg, run: await runWorkflowJob({ ...rest, workflow: called, job: calledJob ?? "smoke", inputs }) });
  }
  return results;
}
