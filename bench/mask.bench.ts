/**
 * evidence-mask throughput and peak RSS versus GNU `sed -E` applying
 * equivalent rules, on one generated log, in the same run.
 *
 *   npm run bench:mask                 # 1 GiB
 *   MASK_BENCH_MB=64 npm run bench:mask  # quick
 *
 * The masker measured is the committed bundle (dist/evidence-mask/index.js),
 * run as the runner runs it, in `mask` mode and in `mask-and-verify` mode.
 * Both tools see bytes (sed under LC_ALL=C; the masker decodes latin1).
 * Peak RSS comes from GNU time (`%M`), for both alike.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bundleNode } from "../test/harness/runner";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const MB = Number(process.env.MASK_BENCH_MB ?? process.argv[2] ?? 1024);
const SIZE = Math.floor(MB * 1024 * 1024);
const DB_PASSWORD = "Pg-p4ss!w0rd#2025";
const ACCOUNT = "111122223333";

// One planted value every PLANT_EVERY lines, rotating through the kinds evidence really holds.
const PLANT_EVERY = 16;
const PLANTS = [
  "task arn:aws:ecs:us-west-2:444455556666:task/papyrus/0a1b2c3d4e5f started",
  "db host papyrus-db.c9akciq32xyz.us-west-2.rds.amazonaws.com:5432 ok",
  "Authorization: Bearer ghp_R4nd0mT0kenPlantedF0rTests0123456789",
  "assumed by AKIAIOSFODNN7EXAMPLE for deploy",
  "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  `url postgres://papyrus_app:${DB_PASSWORD}@db:5432/papyrus`,
  "oidc eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9jdG8ifQ.c2lnbmF0dXJl",
  `owner ${ACCOUNT} region us-west-2`,
  `password=${DB_PASSWORD}`,
  "aws_session_token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLXdlc3QtMiJHMEUCIQDxTokenBody0123456789",
];

/** Rules equivalent to the masker's, in sed -E syntax (no look-behind: context is captured and put back). */
const SED_SCRIPT = [
  String.raw`s/(arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)[0-9]{12}:/\1************:/g`,
  String.raw`s/(^|[^0-9])${ACCOUNT}([^0-9]|$)/\1************\2/g`,
  String.raw`s/(^|[^A-Za-z0-9-])[a-z0-9-]{1,63}\.(cluster-(ro-|custom-)?|proxy-)?[a-z0-9]{6,63}\.([a-z]{2}(-gov)?-[a-z]+-[0-9]\.rds\.amazonaws\.com)/\1****.****.\4/g`,
  String.raw`s/(^|[^A-Za-z0-9_-])(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}([^A-Za-z0-9]|$)/\1****\3/g`,
  String.raw`s/((aws_?secret_?access_?key|secret_?access_?key)["']?[[:space:]]*[:=][[:space:]]*["']?)[A-Za-z0-9/+]{40}/\1****/gI`,
  String.raw`s/((aws_?session_?token|session_?token|x-amz-security-token)["']?[[:space:]]*[:=][[:space:]]*["']?)[A-Za-z0-9/+=%]{16,}/\1****/gI`,
  String.raw`s/^((> )?[[:space:]]*(proxy-authorization|authorization|set-cookie|cookie|x-amz-security-token)[[:space:]]*:[[:space:]]*)[^[:space:]].*/\1****/I`,
  String.raw`s/(bearer[[:space:]]+)[A-Za-z0-9._~+/-]{12,}=*/\1****/gI`,
  String.raw`s/eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/****/g`,
  String.raw`s#(://[^:/?#@[:space:]"']{1,256}:)[^@[:space:]/"']{1,256}@#\1****@#g`,
  "/-----BEGIN [A-Z ]*PRIVATE KEY-----/,/-----END [A-Z ]*PRIVATE KEY-----/{/-----/!s/.*/****/}",
  "s/Pg-p4ss!w0rd#2025/****/g",
].join("\n");

function generate(path: string): number {
  const fd = openSync(path, "w");
  let written = 0;
  let line = 0;
  while (written < SIZE) {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++, line++) {
      const ts = `2025-11-05T06:${String(Math.floor(line / 60) % 60).padStart(2, "0")}:${String(line % 60).padStart(2, "0")}.${String(line % 1000).padStart(3, "0")}Z`;
      const base = `${ts} INFO papyrus-task-service request_id=0f3c2a1b-${String(line % 10000).padStart(4, "0")}-4cde-8f00-aabbccddeeff GET /healthz 200 ${(line * 7) % 97}ms`;
      lines.push(line % PLANT_EVERY === 0 ? `${base} ${PLANTS[(line / PLANT_EVERY) % PLANTS.length]}` : base);
    }
    const chunk = Buffer.from(`${lines.join("\n")}\n`);
    const n = Math.min(chunk.length, SIZE - written);
    writeSync(fd, chunk, 0, n);
    written += n;
  }
  closeSync(fd);
  return line;
}

interface Measure {
  seconds: number;
  peakRssMb: number;
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdoutFile?: string): Measure {
  const out = stdoutFile ? openSync(stdoutFile, "w") : "ignore";
  const r = spawnSync("/usr/bin/time", ["-f", "BENCH %e %M", cmd, ...args], {
    env,
    stdio: ["ignore", out, "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (typeof out === "number") closeSync(out);
  const stderr = r.stderr?.toString() ?? "";
  const m = /BENCH ([\d.]+) (\d+)/.exec(stderr);
  if (r.status !== 0 || !m) {
    const output = stdoutFile ? readHead(stdoutFile, 1 << 20) : "";
    throw new Error(`${cmd} failed (${r.status}): ${stderr.slice(-2000)}\n${output.slice(-4000)}`);
  }
  return { seconds: Number(m[1]), peakRssMb: Number(m[2]) / 1024 };
}

function touch(path: string): string {
  closeSync(openSync(path, "w"));
  return path;
}

function runMasker(dir: string, original: string, mode: string): Measure {
  const ws = join(dir, `ws-${mode}`);
  mkdirSync(join(ws, "evidence"), { recursive: true });
  const target = join(ws, "evidence", "app.log");
  copyFileSync(original, target);
  const runnerTemp = mkdtempSync(join(dir, "rt-"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_WORKSPACE: ws,
    RUNNER_TEMP: runnerTemp,
    GITHUB_OUTPUT: touch(join(runnerTemp, "output")),
    GITHUB_STEP_SUMMARY: touch(join(runnerTemp, "summary")),
    INPUT_PATH: "evidence/**",
    INPUT_MODE: mode,
    "INPUT_SECRET-VALUES": DB_PASSWORD,
    "INPUT_ACCOUNT-IDS": ACCOUNT,
    // No credentials and no reachable endpoint: the STS lookup fails at once, as on a runner without AWS.
    AWS_ENDPOINT_URL: "http://127.0.0.1:9",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_REGION: "us-west-2",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  const m = timed(bundleNode(), [join(ROOT, "dist/evidence-mask/index.js")], env, join(dir, `masker-${mode}.out`));
  const head = readHead(target, 4 << 20);
  rmSync(ws, { recursive: true, force: true });
  assertMasked(head, `masker ${mode}`);
  return m;
}

function runSed(dir: string, original: string): Measure {
  const script = join(dir, "rules.sed");
  execFileSync("sh", ["-c", `cat > '${script}'`], { input: SED_SCRIPT });
  const out = join(dir, "sed.out");
  const m = timed("sed", ["-E", "-f", script, original], { PATH: process.env.PATH, LC_ALL: "C" }, out);
  assertMasked(readHead(out, 4 << 20), "sed");
  rmSync(out, { force: true });
  return m;
}

function readHead(path: string, bytes: number): string {
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(bytes);
  const n = readSync(fd, buf, 0, bytes, 0);
  closeSync(fd);
  return buf.toString("latin1", 0, n);
}

/** Both tools must really have masked (a fast tool that masks nothing proves nothing). */
function assertMasked(head: string, who: string): void {
  const leftovers = [
    "444455556666",
    "c9akciq32xyz",
    "ghp_R4nd0m",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI",
    DB_PASSWORD,
    "eyJhbGciOi",
    ACCOUNT,
    "IQoJb3JpZ2lu",
  ].filter((p) => head.includes(p));
  if (leftovers.length > 0) throw new Error(`${who} left planted values: ${leftovers.join(", ")}`);
}

const dir = mkdtempSync(join(tmpdir(), "mask-bench-"));
try {
  const original = join(dir, "app.log");
  console.log(`generating ${MB} MiB log in ${dir} ...`);
  const lines = generate(original);
  const bytes = statSync(original).size;
  console.log(
    `${lines} lines, one planted value every ${PLANT_EVERY} lines (${Math.round(lines / PLANT_EVERY)} values)`,
  );
  const sed = runSed(dir, original);
  const mask = runMasker(dir, original, "mask");
  const maskVerify = runMasker(dir, original, "mask-and-verify");
  const mbps = (m: Measure) => bytes / 1024 / 1024 / m.seconds;
  const row = (name: string, m: Measure) =>
    `| ${name} | ${m.seconds.toFixed(2)} | ${mbps(m).toFixed(1)} | ${m.peakRssMb.toFixed(0)} |`;
  console.log(`\nnode ${process.version}, ${execFileSync("sed", ["--version"], { encoding: "utf8" }).split("\n")[0]}`);
  console.log(`\n| tool (${MB} MiB) | seconds | MB/s | peak RSS MB |\n| --- | ---: | ---: | ---: |`);
  console.log(row("evidence-mask, mode mask", mask));
  console.log(row("evidence-mask, mode mask-and-verify", maskVerify));
  console.log(row("GNU sed -E (LC_ALL=C), equivalent rules", sed));
  console.log(
    `\nthroughput ratio evidence-mask (mask) / sed: ${(mbps(mask) / mbps(sed)).toFixed(2)}x; ` +
      `peak RSS ratio: ${(mask.peakRssMb / sed.peakRssMb).toFixed(1)}x`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
