/**
 * `ecs-alb-smoke smoke`: the root action's cycle from a terminal — preflight
 * the credentials, create the temporary ALB, register the RUNNING tasks,
 * probe, destroy, mask — with each step's own reader and `run`, its inputs
 * mapped as action.yml's `with:` maps them.
 *
 * Nothing outlives the command: the ALB's state is kept in memory after every
 * single create (the store ephemeral-alb saves to), and the destroy runs from
 * it after the probe, after any error, and on the first SIGINT/SIGTERM: as
 * ephemeral-alb's own `mode: destroy` (the workflow's destroy step), from a
 * cycle file in a private temporary RUNNER_TEMP, so the proof it writes,
 * `<ts>_alb_destroy.json`, is the workflow's. A
 * create still in flight when the signal came is waited for (bounded) and
 * destroyed too. A second signal stops at once, printing what is left and the
 * `sweep` command that removes it.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CycleFiles } from "../actions/ephemeral-alb/cycle-file";
import { readInputs as readAlbInputs } from "../actions/ephemeral-alb/inputs";
import { run as runAlb } from "../actions/ephemeral-alb/run";
import type { AlbState } from "../actions/ephemeral-alb/state";
import { readInputs as readMaskInputs } from "../actions/evidence-mask/inputs";
import { run as runMask } from "../actions/evidence-mask/run";
import { readProbeInputs } from "../actions/http-evidence-probe/inputs";
import { run as runProbe } from "../actions/http-evidence-probe/run";
import { readPreflightInputs } from "../actions/iam-simulate-preflight/inputs";
import { runPreflight } from "../actions/iam-simulate-preflight/run";
import { registerClients } from "../actions/register-fargate-targets/clients";
import { deregisterFromState } from "../actions/register-fargate-targets/deregister";
import { readInputs as readRegisterInputs } from "../actions/register-fargate-targets/inputs";
import { type RegisteredState, run as runRegister } from "../actions/register-fargate-targets/run";
import { errorMessage, InputError } from "../lib/errors";
import { evidenceTimestamp } from "../lib/evidence";
import { readBoolean, readRegion } from "../lib/inputs";
import { pathRoots, resolveInputPath } from "../lib/paths";
import type { ActionResult, OutputValue } from "../lib/run-action";
import type { Command } from "./commands";
import { type CliConsole, signalExit } from "./console";
import { albDeps, maskDeps, preflightDeps, probeDeps, registerDeps, registerPostDeps } from "./deps";
import { actionSource, type CommandSpec, TERMINAL_ACCOUNT_IDS } from "./flags";

const UPLOAD = "the command line keeps the evidence in --evidence-dir and uploads nothing.";

export const SMOKE_SPEC: CommandSpec = {
  name: "smoke",
  action: "ecs-alb-smoke",
  summary:
    "The whole cycle: preflight → create the temporary ALB → register the RUNNING tasks → probe → destroy → mask; evidence in ./evidence/. Ctrl-C tears down.",
  fixed: {
    "artifact-name": { value: "", why: UPLOAD },
    "artifact-retention-days": { value: "", why: UPLOAD },
    ...TERMINAL_ACCOUNT_IDS,
  },
  extra: [
    {
      name: "evidence-dir",
      default: "evidence",
      description: "Folder (inside the current directory) the evidence is written to and masked in.",
    },
  ],
  example:
    "ecs-alb-smoke smoke --cluster papyrus --service papyrus-task-service --vpc-id vpc-0a1b2c3d4e5f67890 --subnet-ids subnet-0aaa1111bbbb2222c,subnet-0ddd3333eeee4444f --task-security-group-id sg-0123456789abcdef0 --secret-ids papyrus/prd/db --role-arn arn:aws:iam::123456789012:role/alb-smoke-ci",
};

/** Waited for after a signal, so a create that was in flight is destroyed too (the SDK's own retries end sooner). */
const IN_FLIGHT_WAIT_MS = 90_000;
const TICK_MS = Number(process.env.ECS_ALB_SMOKE_CLI_TICK_MS) || 5_000;
const PLACEHOLDER_TG = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/placeholder/0000000000000000";

/** Unique per invocation, usable as the `ecs-alb-smoke:run-id` tag and in `sweep --run-id`. */
function newRunId(): string {
  const random = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, "0");
  return `cli-${evidenceTimestamp().replace("_", "-")}-${random}`;
}

interface Phase {
  name: string;
  outcome: "success" | "failure" | "skipped" | "interrupted";
  seconds?: number;
  failure?: string;
}

const INTERRUPTED = Symbol("interrupted");

export function whatIsLeft(state: AlbState | undefined): string[] {
  if (!state) return [];
  return [
    state.listenerArn && `listener ${state.listenerArn}`,
    state.loadBalancerArn
      ? `load balancer ${state.loadBalancerArn}`
      : `load balancer ${state.names.loadBalancer} (if created)`,
    state.targetGroupArn
      ? `target group ${state.targetGroupArn}`
      : `target group ${state.names.targetGroup} (if created)`,
    state.securityGroupId
      ? `security group ${state.securityGroupId}`
      : `security group ${state.names.securityGroup} (if created)`,
    ...(state.taskIngressRuleIds ?? []).map((r) => `ingress rule ${r} in ${state.taskSecurityGroupId ?? "?"}`),
  ].filter((x): x is string => Boolean(x));
}

async function targetsLine(region: string, arn: string): Promise<string | undefined> {
  try {
    const out = await registerClients(region).elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    const all = out.TargetHealthDescriptions ?? [];
    if (all.length === 0) return undefined;
    const counts = new Map<string, number>();
    for (const d of all) counts.set(d.TargetHealth?.State ?? "?", (counts.get(d.TargetHealth?.State ?? "?") ?? 0) + 1);
    return `${all.length} target(s): ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}`;
  } catch {
    return undefined;
  }
}

export interface StepContext {
  region: string;
  evidenceDir: string;
  roleArn: string;
  /** ephemeral-alb's outputs, once it ran. */
  targetGroupArn: string;
  baseUrl: string;
  /** ephemeral-alb's `https-resolve` output (with certificate-arn), else "". */
  resolve?: string;
  /** register-fargate-targets succeeded. */
  targetsHealthy: boolean;
}

/**
 * Each step's inputs, as the root action.yml's `with:` gives them (a test
 * compares the two). Not passed: the upload's inputs (nothing is uploaded);
 * added: `evidence-dir` (--evidence-dir).
 */
export function smokeStepInputs(get: (name: string) => string, c: StepContext) {
  const common = {
    "aws-region": c.region,
    "evidence-dir": c.evidenceDir,
    "mask-account-ids": get("mask-account-ids"),
  };
  return {
    preflight: {
      "ci-role-arn": c.roleArn,
      "ci-role-profile": "alb-smoke",
      "ci-secret-ids": get("secret-ids"),
      comment: "false",
      "fail-on": "deny",
      ...common,
    },
    alb: {
      "vpc-id": get("vpc-id"),
      "subnet-ids": get("subnet-ids"),
      "task-security-group-id": get("task-security-group-id"),
      "container-port": get("container-port"),
      cluster: get("cluster"),
      service: get("service"),
      "listener-port": get("listener-port"),
      "health-check-path": get("health-check-path"),
      "ingress-cidrs": get("ingress-cidrs"),
      "certificate-arn": get("certificate-arn"),
      "https-port": get("https-port"),
      // The register step waits for the load balancer to be active, registering while it provisions.
      "wait-until-active": "false",
      leg: get("service"),
      ...common,
    },
    targets: {
      cluster: get("cluster"),
      service: get("service"),
      "target-group-arn": c.targetGroupArn,
      "container-port": get("container-port"),
      "timeout-seconds": get("timeout-seconds"),
      ...common,
    },
    probe: {
      // With certificate-arn: the HTTPS URL (https-url), verifying the certificate's name while connecting to the ALB.
      "base-url": c.baseUrl,
      resolve: c.resolve ?? "",
      "ca-file": get("ca-file"),
      probes: get("probes"),
      "log-group": get("log-group"),
      cluster: get("cluster"),
      service: get("service"),
      "log-wait-seconds": c.targetsHealthy ? "30" : "0",
      "deadline-seconds": c.targetsHealthy ? get("probe-deadline-seconds") : "0",
      "fail-on": "never",
      ...common,
    },
    // The composite's `mode: destroy` step (it has no id in action.yml).
    destroy: {
      mode: "destroy",
      "aws-region": c.region,
      "mask-account-ids": get("mask-account-ids"),
      "evidence-dir": c.evidenceDir,
    },
    mask: {
      path: `${c.evidenceDir}/**`,
      mode: "mask-and-verify",
      "secret-ids": get("secret-ids"),
      "aws-region": c.region,
      "mask-account-ids": get("mask-account-ids"),
    },
  };
}

async function execute(
  p: Parameters<Command["execute"]>[0],
  cons: CliConsole,
): Promise<ActionResult & { exitCode?: number }> {
  const get = p.get;
  const region = readRegion(get);
  const evidenceDir = String(p.extra["evidence-dir"] ?? "evidence");
  resolveInputPath("evidence-dir", evidenceDir, "write", pathRoots());
  const runId = newRunId();
  const preflightOn = readBoolean(get, "preflight", true);
  const roleArn = get("role-arn").trim();
  if (preflightOn && roleArn === "") {
    throw new InputError(
      "role-arn",
      "is required when 'preflight' is true.",
      "Give the ARN of the role your credentials belong to (`aws sts get-caller-identity` shows it), or --no-preflight.",
    );
  }
  const steps = (targetGroupArn: string, baseUrl: string, targetsHealthy: boolean, resolve = "") =>
    smokeStepInputs(get, { region, evidenceDir, roleArn, targetGroupArn, baseUrl, resolve, targetsHealthy });
  const with_ = {
    preflight: actionSource("iam-simulate-preflight", steps("", "", true).preflight),
    alb: actionSource("ephemeral-alb", steps("", "", true).alb),
    register: (targetGroupArn: string) =>
      actionSource("register-fargate-targets", steps(targetGroupArn, "", true).targets),
    probe: (baseUrl: string, targetsHealthy: boolean, resolve = "") =>
      actionSource("http-evidence-probe", steps("", baseUrl, targetsHealthy, resolve).probe),
    destroy: actionSource("ephemeral-alb", steps("", "", true).destroy),
    mask: actionSource("evidence-mask", steps("", "", true).mask),
  };
  // The run's identity (names and the run-id tag): this invocation, not a workflow run.
  const env = { ...process.env, GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: "1", GITHUB_JOB: "smoke" };
  // Every input is read before anything is created: a bad flag creates nothing.
  const preflightInputs = preflightOn ? readPreflightInputs(with_.preflight, env) : undefined;
  const albInputs = readAlbInputs(with_.alb, env);
  readRegisterInputs(with_.register(PLACEHOLDER_TG), env);
  readProbeInputs(with_.probe("http://placeholder.invalid", true), env);
  const maskInputs = readMaskInputs(with_.mask, env);
  // `mode: destroy` reads the cycle from RUNNER_TEMP: a private folder of this invocation, removed at the end.
  const runnerTemp = mkdtempSync(join(tmpdir(), "ecs-alb-smoke-"));
  let destroyInputs: ReturnType<typeof readAlbInputs>;
  try {
    destroyInputs = readAlbInputs(with_.destroy, { ...env, RUNNER_TEMP: runnerTemp });
  } catch (error) {
    rmSync(runnerTemp, { recursive: true, force: true });
    throw error;
  }

  let albState: AlbState | undefined;
  let registered: RegisteredState | undefined;
  let signalled: NodeJS.Signals | undefined;
  let markInterrupted: () => void = () => {};
  const interrupted = new Promise<typeof INTERRUPTED>((resolve) => {
    markInterrupted = () => resolve(INTERRUPTED);
  });
  let inFlight: Promise<unknown> | undefined;
  const sweepCommand = `ecs-alb-smoke sweep --run-id ${runId} --region ${region}`;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      const left = whatIsLeft(albState);
      const stopping = `${signal} again: stopping now, the teardown did not finish.`;
      cons.error(stopping);
      cons.plain(
        `${left.length > 0 ? `Possibly left in ${region}:\n${left.map((l) => `  ${l}`).join("\n")}\n` : ""}Remove it with:\n  ${sweepCommand}`,
      );
      const leftText = left.length > 0 ? ` Possibly left in ${region}: ${left.join("; ")}.` : "";
      cons.errorDocument(SMOKE_SPEC.name, SMOKE_SPEC.action, `${stopping}${leftText} Remove it with: ${sweepCommand}`);
      process.exit(signalExit(signal));
    }
    signalled = signal;
    cons.warning(`${signal}: stopping and tearing down what was created (again to stop at once) …`);
    markInterrupted();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  cons.progress(`Smoke run ${runId} in ${region} (Ctrl-C tears down what was created).`);
  const phases: Phase[] = [];
  const outputs: Record<string, OutputValue> = { "run-id": runId };
  /** Runs one step; a signal ends the wait for it at once (the step itself is not cancelled). */
  const step = async (
    name: string,
    label: string,
    fn: () => Promise<ActionResult>,
    tick?: () => Promise<string | undefined>,
    interruptible = true,
  ): Promise<ActionResult | undefined> => {
    if (signalled && interruptible) {
      phases.push({ name, outcome: "interrupted" });
      return undefined;
    }
    const started = Date.now();
    const seconds = () => Math.round((Date.now() - started) / 1000);
    cons.progress(`${label} …`);
    const ticker = setInterval(async () => {
      const extra = tick ? await tick() : undefined;
      if (!signalled) cons.progress(`${label}${extra ? `: ${extra}` : ""} … ${seconds()} s`);
    }, TICK_MS);
    ticker.unref();
    const running = fn();
    // Only the steps that create something are waited for after a signal.
    if (name === "alb" || name === "targets") inFlight = running.catch(() => undefined);
    try {
      const result = interruptible ? await Promise.race([running, interrupted]) : await running;
      if (result === INTERRUPTED) {
        phases.push({ name, outcome: "interrupted", seconds: seconds() });
        return undefined;
      }
      outputs[name] = result.outputs;
      phases.push({
        name,
        outcome: result.failure ? "failure" : "success",
        seconds: seconds(),
        ...(result.failure ? { failure: result.failure } : {}),
      });
      if (result.failure) cons.error(result.failure);
      cons.progress(`${label}: ${result.failure ? "FAILED" : "done"} in ${seconds()} s`);
      return result;
    } catch (error) {
      const failure = errorMessage(error);
      phases.push({ name, outcome: "failure", seconds: seconds(), failure });
      cons.error(failure);
      return { outputs: {}, failure };
    } finally {
      clearInterval(ticker);
    }
  };
  const skip = (name: string): undefined => {
    phases.push({ name, outcome: signalled ? "interrupted" : "skipped" });
    return undefined;
  };

  const destroyed: { failure?: string }[] = [];
  /** IDs known to a destroy pass: a later pass (for a create that was in flight) runs only if there are others. */
  const gone = new Set<string>();
  const idsOf = (st: AlbState) =>
    [
      st.listenerArn,
      st.loadBalancerArn,
      st.targetGroupArn,
      st.securityGroupId,
      ...(st.taskIngressRuleIds ?? []),
    ].filter((x): x is string => Boolean(x));
  /** One destroy pass over what is not gone yet; false when there was nothing new to destroy. */
  let passes = 0;
  const destroy = async (): Promise<void> => {
    const first = passes++ === 0;
    if (!albState) {
      if (first && registered) {
        destroyed.push(await deregisterFromState(registerPostDeps(cons, registered)));
      }
      return;
    }
    const st: AlbState = structuredClone(albState);
    const known = idsOf(st);
    if (!first) {
      // A later pass: what the in flight create added may be what the first pass already found by name and
      // removed, so the ARNs are left out and the teardown looks the cycle up by its names (finding only what
      // exists now); only rules the first pass did not revoke are named.
      delete st.listenerArn;
      delete st.loadBalancerArn;
      delete st.targetGroupArn;
      delete st.securityGroupId;
      st.taskIngressRuleIds = (st.taskIngressRuleIds ?? []).filter((id) => !gone.has(id));
    }
    if (first && registered) {
      destroyed.push(await deregisterFromState(registerPostDeps(cons, registered)));
    }
    // As the create step's store writes it on a runner; a fresh record per pass (not marked destroyed).
    new CycleFiles(runnerTemp).write({ state: st, job: env.GITHUB_JOB, runAttempt: env.GITHUB_RUN_ATTEMPT });
    try {
      const result = await runAlb(destroyInputs, albDeps(cons, region));
      outputs.destroy = result.outputs;
      destroyed.push(result);
      // What the pass found by name (a create in flight may have added it) and proved gone counts as gone too,
      // so a later pass runs only for what is really new (it would otherwise wait out EC2's propagation window).
      const proof = result.outputs.resources as { cycles?: { resources?: { id: string; gone: boolean }[] }[] };
      for (const r of (proof.cycles ?? []).flatMap((c) => c.resources ?? []))
        if (r.gone) for (const id of r.id.split(" ")) gone.add(id);
    } catch (error) {
      destroyed.push({ failure: errorMessage(error) });
    }
    for (const id of known) gone.add(id);
  };

  try {
    let preflightFailed = false;
    if (preflightInputs) {
      const r = await step("preflight", `Preflight of ${roleArn}`, () =>
        runPreflight(preflightInputs, preflightDeps(cons, region)),
      );
      preflightFailed = r?.failure !== undefined;
    } else skip("preflight");

    const alb = preflightFailed
      ? skip("alb")
      : await step("alb", "Creating the temporary ALB", () =>
          runAlb(
            albInputs,
            albDeps(cons, region, (s) => {
              albState = s;
            }),
          ),
        );
    const targetGroupArn = String(alb?.outputs["target-group-arn"] ?? "");
    // As action.yml: `steps.alb.outputs.https-url || steps.alb.outputs.url`, with `https-resolve`.
    const url = String(alb?.outputs["https-url"] || alb?.outputs.url || "");
    const resolve = String(alb?.outputs["https-resolve"] ?? "");
    const targets =
      targetGroupArn && !alb?.failure
        ? await step(
            "targets",
            "Registering the RUNNING tasks and waiting until healthy",
            () =>
              runRegister(
                readRegisterInputs(with_.register(targetGroupArn), env),
                registerDeps(cons, region, (s) => {
                  registered = s;
                }),
              ),
            () => targetsLine(region, targetGroupArn),
          )
        : skip("targets");
    const healthy = targets !== undefined && !targets.failure;
    const probe =
      url && !signalled
        ? await step("probe", `Probing ${url}`, () => {
            const inputs = readProbeInputs(with_.probe(url, healthy, resolve), env);
            return runProbe(inputs, probeDeps(cons));
          })
        : skip("probe");

    // The destroy (also on a signal: then a create still in flight is waited for and destroyed too).
    if (albState || registered) {
      cons.progress(`Destroying ${albState?.names.base ?? "the cycle"} …`);
      const started = Date.now();
      await destroy();
      // A step in flight when the signal came may still create something: wait for it (bounded) and destroy that too.
      for (let pass = 0; signalled && inFlight && pass < 3; pass++) {
        const settled = await Promise.race([
          inFlight.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), IN_FLIGHT_WAIT_MS).unref()),
        ]);
        if (!settled) cons.warning(`A step was still running ${IN_FLIGHT_WAIT_MS / 1000} s after the signal.`);
        if (albState && !idsOf(albState).every((id) => gone.has(id))) {
          cons.progress("The step in flight created more: destroying that too …");
          await destroy();
        }
        if (settled) break;
      }
      const failure = destroyed.map((d) => d.failure).find(Boolean);
      phases.push({
        name: "destroy",
        outcome: failure ? "failure" : "success",
        seconds: Math.round((Date.now() - started) / 1000),
        ...(failure ? { failure: `${failure} Or remove everything with: ${sweepCommand}` } : {}),
      });
      cons.progress(`Destroy: ${failure ? "FAILED" : "done"} in ${Math.round((Date.now() - started) / 1000)} s`);
    } else skip("destroy");

    // Masking is local and short: it runs to the end, signal or not.
    const masked = await step(
      "mask",
      `Masking and verifying ${evidenceDir}/`,
      () => runMask(maskInputs, maskDeps(cons)),
      undefined,
      false,
    );

    const evidence = listEvidence(evidenceDir);
    outputs.phases = phases;
    outputs.evidence = evidence;
    outputs["evidence-dir"] = evidenceDir;
    outputs.result = probe?.outputs.result === "pass" ? "pass" : "fail";
    cons.info(`evidence (masked): ${evidenceDir}/ — ${evidence.length} files`);
    const failed = phases.find((ph) => ph.outcome === "failure");
    if (signalled) {
      return {
        outputs,
        failure: `Interrupted by ${signalled}; ${phases.some((ph) => ph.name === "destroy" && ph.outcome === "failure") ? `the destroy failed: run ${sweepCommand}` : "what was created was destroyed"}.`,
        exitCode: signalExit(signalled),
      };
    }
    if (failed) return { outputs, failure: `The smoke test failed at '${failed.name}'.` };
    if (probe?.outputs.result !== "pass" || masked?.failure) {
      return {
        outputs,
        failure: `The service did not answer as expected through the temporary ALB (probe: ${String(probe?.outputs.result ?? "not run")}).`,
      };
    }
    return { outputs };
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    rmSync(runnerTemp, { recursive: true, force: true });
  }
}

function listEvidence(dir: string): string[] {
  try {
    return readdirSync(join(process.cwd(), dir)).sort();
  } catch {
    return [];
  }
}

export const smoke: Command = { spec: SMOKE_SPEC, execute };
