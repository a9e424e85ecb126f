/**
 * iam-simulate-preflight on a task definition with 100 secrets, against the
 * AWS emulator: SimulatePrincipalPolicy calls and wall time of the batched
 * preflight versus one call per secret (the shell loop the team started
 * from), with and without throttling injected on IAM, side by side.
 *
 *   npm run bench:preflight
 *   PREFLIGHT_BENCH_SECRETS=300 PREFLIGHT_BENCH_LATENCY_MS=80 npm run bench:preflight
 *   PREFLIGHT_BENCH_CLI=0 npm run bench:preflight     # skip the AWS CLI loop
 *
 * - "preflight": the action's own code (`runPreflight`), in process, with the
 *   SDK clients the bundle builds (awsClientConfig: jittered retries). Its
 *   total time includes the DescribeSecret lookups and GetRole calls it makes
 *   besides the simulation.
 * - "SDK loop": one SimulatePrincipalPolicy per secret with the same client.
 * - "CLI loop": `aws iam simulate-principal-policy` once per secret, when the
 *   AWS CLI is installed — literally the shell loop.
 * The emulator adds PREFLIGHT_BENCH_LATENCY_MS (default 40) to every call to
 * stand in for the network round trip to IAM.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IAMClient, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { awsLookups } from "../src/actions/iam-simulate-preflight/aws-lookups";
import { preflightIamClient } from "../src/actions/iam-simulate-preflight/iam-client";
import { readPreflightInputs } from "../src/actions/iam-simulate-preflight/inputs";
import { runPreflight } from "../src/actions/iam-simulate-preflight/run";
import { iamSimulator } from "../src/actions/iam-simulate-preflight/simulate";
import { iamPolicyReader } from "../src/actions/iam-simulate-preflight/statement-ids";
import { awsClientConfig } from "../src/lib/aws";
import { publishReport } from "../src/lib/pr-comment";
import {
  ACCOUNT,
  EXECUTION_ROLE,
  REGION,
  scenario,
  secretsPolicy,
  taskDefinition,
} from "../test/actions/iam-simulate-preflight/scenario";
import { awsCliVersion, runAwsCli } from "../test/emulator/awscli";
import { startEmulator } from "../test/emulator/server";
import { fakeDeps } from "../test/harness/fake-deps";

const SECRETS = Number(process.env.PREFLIGHT_BENCH_SECRETS ?? 100);
const LATENCY_MS = Number(process.env.PREFLIGHT_BENCH_LATENCY_MS ?? 40);
const THROTTLE_RATE = Number(process.env.PREFLIGHT_BENCH_THROTTLE ?? 0.3);
const WITH_CLI = process.env.PREFLIGHT_BENCH_CLI !== "0" && awsCliVersion !== undefined;

const secrets = Array.from({ length: SECRETS }, (_, i) => ({
  name: `papyrus/bench/secret-${i}`,
  arnSuffix: `Bn${String(i).padStart(4, "0")}`,
}));
const arns = secrets.map((s) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${s.name}-${s.arnSuffix}`);

const workspace = mkdtempSync(join(tmpdir(), "preflight-bench-"));
writeFileSync(
  join(workspace, "task-definition.json"),
  JSON.stringify(
    taskDefinition([{ name: "web", secrets: arns.map((valueFrom, i) => ({ name: `SECRET_${i}`, valueFrom })) }]),
    null,
    2,
  ),
);
const summaryFile = join(workspace, "summary.md");
writeFileSync(summaryFile, "");

// The bench talks to the emulator only: no developer credentials, no real endpoints.
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: "AKIAEMULATOR00000001",
  AWS_SECRET_ACCESS_KEY: "emulator-secret-key",
  AWS_REGION: REGION,
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  GITHUB_WORKSPACE: workspace,
  GITHUB_STEP_SUMMARY: summaryFile,
});
delete process.env.AWS_PROFILE;

/** Time spent inside SimulatePrincipalPolicy calls during the preflight variant. */
let simulationMs = 0;

interface Measure {
  simulateCalls: number;
  throttled: number;
  otherCalls: number;
  ms: number;
  simulationMs: number;
  failed: number;
}

async function measure(throttle: boolean, body: (endpoint: string) => Promise<number>): Promise<Measure> {
  const emu = await startEmulator({
    latencyMs: LATENCY_MS,
    scenario: scenario({ executionPolicy: secretsPolicy(arns), secrets }),
    ...(throttle ? { faults: { seed: 42, rules: [{ service: "iam", throttleRate: THROTTLE_RATE }] } } : {}),
  });
  process.env.AWS_ENDPOINT_URL = emu.endpoint;
  try {
    simulationMs = -1;
    const started = performance.now();
    const failed = await body(emu.endpoint);
    const ms = performance.now() - started;
    const simulate = emu.emulator.requests.filter((r) => r.action === "SimulatePrincipalPolicy");
    return {
      simulateCalls: simulate.length,
      throttled: simulate.filter((r) => r.code === "Throttling").length,
      otherCalls: emu.emulator.requests.length - simulate.length,
      ms,
      // The loops do nothing but simulate.
      simulationMs: simulationMs < 0 ? ms : simulationMs,
      failed,
    };
  } finally {
    await emu.stop();
  }
}

async function preflight(): Promise<number> {
  const inputs = readPreflightInputs(
    (name) => ({ "task-definition": "task-definition.json", comment: "false", "fail-on": "never" })[name] ?? "",
  );
  inputs.evidenceDir = join(workspace, "evidence");
  const iam = preflightIamClient(REGION);
  const simulate = iamSimulator(iam);
  simulationMs = 0;
  const result = await runPreflight(inputs, {
    ...fakeDeps(),
    publish: publishReport,
    lookups: awsLookups(iam, REGION),
    simulator: async function* (input, pageSize) {
      const pages = simulate(input, pageSize)[Symbol.asyncIterator]();
      for (;;) {
        const started = performance.now();
        try {
          const next = await pages.next();
          if (next.done) return;
          yield next.value;
        } finally {
          simulationMs += performance.now() - started;
        }
      }
    },
    policyReader: iamPolicyReader(iam),
    annotate: () => {},
  });
  const report = result.outputs.report as { rows: { decision: string }[] };
  // One row per secret, plus the three ECR pull permissions of the image.
  if (report.rows.length !== SECRETS + 3) throw new Error(`expected ${SECRETS + 3} rows, got ${report.rows.length}`);
  return 0;
}

async function sdkLoop(): Promise<number> {
  const iam = new IAMClient(awsClientConfig({ region: REGION }));
  let failed = 0;
  for (const arn of arns) {
    try {
      await iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: EXECUTION_ROLE,
          ActionNames: ["secretsmanager:GetSecretValue"],
          ResourceArns: [arn],
        }),
      );
    } catch {
      failed++;
    }
  }
  return failed;
}

async function cliLoop(endpoint: string): Promise<number> {
  let failed = 0;
  for (const arn of arns) {
    // Asynchronously: the emulator answers from this very process.
    const { code } = await runAwsCli(endpoint, [
      "iam",
      "simulate-principal-policy",
      "--region",
      REGION,
      "--policy-source-arn",
      EXECUTION_ROLE,
      "--action-names",
      "secretsmanager:GetSecretValue",
      "--resource-arns",
      arn,
    ]);
    if (code !== 0) failed++;
  }
  return failed;
}

const variants: [string, (endpoint: string) => Promise<number>][] = [
  ["preflight (batched)", preflight],
  ["SDK loop, 1 call/secret", sdkLoop],
];
if (WITH_CLI) variants.push(["AWS CLI loop, 1 call/secret", cliLoop]);

const rows: string[][] = [];
for (const [name, body] of variants) {
  for (const throttle of [false, true]) {
    const m = await measure(throttle, body);
    rows.push([
      name,
      throttle ? `${Math.round(THROTTLE_RATE * 100)}% throttled` : "none",
      String(m.simulateCalls),
      String(m.throttled),
      String(m.otherCalls),
      (m.ms / 1000).toFixed(2),
      (m.simulationMs / 1000).toFixed(2),
      String(m.failed),
    ]);
    console.error(`done: ${name}, throttling ${throttle}`);
  }
}

const header = [
  "variant",
  "IAM faults",
  "SimulatePrincipalPolicy requests",
  "throttled",
  "other AWS calls",
  "seconds in all",
  "seconds simulating",
  "secrets unchecked",
];
console.log(
  `\nPreflight of a task definition with ${SECRETS} secrets; emulator latency ${LATENCY_MS} ms per call; node ${process.version}\n`,
);
console.log(`| ${header.join(" | ")} |`);
console.log(`| ${header.map(() => "---").join(" | ")} |`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
if (!WITH_CLI) console.log("\n(AWS CLI not found or PREFLIGHT_BENCH_CLI=0: CLI loop skipped)");
