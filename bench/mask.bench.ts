/**
 * evidence-mask throughput and peak RSS versus GNU `sed -E` (and ripgrep,
 * where installed) applying equivalent rules, on one generated log, in the same run.
 *
 *   npm run bench:mask                       # 1 GiB
 *   npm run bench:mask -- --size 64MiB       # quick (also MASK_BENCH_MB=64)
 *   npm run bench:mask -- --rounds 5         # rounds of sed and both masker modes (default 3)
 *
 * The masker measured is the committed bundle (dist/evidence-mask/index.js),
 * run as the runner runs it, in `mask` mode and in `mask-and-verify` mode, and
 * once on a one-line file (what Node, the bundle and the STS lookup cost
 * before any masking). Every tool is a child process; wall time and peak RSS
 * come from GNU time (`%e`, `%M`), for all alike. All tools see bytes (sed
 * under LC_ALL=C; ripgrep without Unicode; the masker decodes latin1). After
 * each run the whole output is searched for the planted values: the count
 * must be zero.
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bundleNode } from "../test/harness/runner";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
/** `--size 64MiB` / `--size 1GiB` / `--size 256` (MiB), or MASK_BENCH_MB. */
function sizeMb(argv: readonly string[]): number {
  const i = argv.indexOf("--size");
  const raw = i >= 0 ? argv[i + 1] : (argv.find((a) => a.startsWith("--size="))?.slice(7) ?? process.env.MASK_BENCH_MB);
  if (raw === undefined) return 1024;
  const m = /^(\d+(?:\.\d+)?)\s*(MiB|MB|M|GiB|GB|G)?$/i.exec(raw.trim());
  if (!m) throw new Error(`--size '${raw}': give a size such as 64MiB, 256MiB or 1GiB`);
  const n = Number(m[1]);
  return /^g/i.test(m[2] ?? "") ? n * 1024 : n;
}
const MB = sizeMb(process.argv.slice(2));
/** `--rounds N` (default 3): how many times sed and both masker modes run, interleaved. */
const ROUNDS = (() => {
  const argv = process.argv.slice(2);
  const i = argv.indexOf("--rounds");
  const raw = i >= 0 ? argv[i + 1] : (process.env.MASK_BENCH_ROUNDS ?? "3");
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new Error(`--rounds '${raw}': give a whole number from 1 to 9`);
  return n;
})();
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
/** The measure of the median wall time (the lower middle one for an even count). */
const medianBy = (ms: readonly Measure[]) =>
  [...ms].sort((a, b) => a.seconds - b.seconds)[Math.floor((ms.length - 1) / 2)] as Measure;
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

/**
 * The same rules for ripgrep: one pass, one alternation (ripgrep takes one
 * replacement, so each alternative keeps its context in its own groups and
 * every value becomes `****`). ripgrep works line by line: the PEM range rule
 * has no equivalent (the log holds no private key).
 */
const RG_RULES: [prefix: string, value: string, suffix?: string][] = [
  [String.raw`arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:`, "[0-9]{12}", ":"],
  [String.raw`(?:^|[^0-9])`, ACCOUNT, String.raw`(?:[^0-9]|$)`],
  [
    String.raw`(?:^|[^A-Za-z0-9-])`,
    String.raw`[a-z0-9-]{1,63}\.(?:cluster-(?:ro-|custom-)?|proxy-)?[a-z0-9]{6,63}\.`,
    String.raw`[a-z]{2}(?:-gov)?-[a-z]+-[0-9]\.rds\.amazonaws\.com`,
  ],
  [String.raw`(?:^|[^A-Za-z0-9_-])`, "(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}", "(?:[^A-Za-z0-9]|$)"],
  [String.raw`(?i:(?:aws_?secret_?access_?key|secret_?access_?key)["']?\s*[:=]\s*["']?)`, "[A-Za-z0-9/+]{40}"],
  [
    String.raw`(?i:(?:aws_?session_?token|session_?token|x-amz-security-token)["']?\s*[:=]\s*["']?)`,
    "[A-Za-z0-9/+=%]{16,}",
  ],
  [
    String.raw`^(?:> )?\s*(?i:proxy-authorization|authorization|set-cookie|cookie|x-amz-security-token)\s*:\s*`,
    String.raw`\S.*`,
  ],
  [String.raw`(?i:bearer\s+)`, "[A-Za-z0-9._~+/-]{12,}=*"],
  ["", String.raw`eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`],
  [String.raw`://[^:/?#@\s"']{1,256}:`, String.raw`[^@\s/"']{1,256}`, "@"],
  ["", "Pg-p4ss!w0rd#2025"],
];
const RG_PATTERN = `(?-u)${RG_RULES.map(([p, v, s], i) => `(?P<p${i}>${p})${v}(?P<s${i}>${s ?? ""})`).join("|")}`;
const RG_REPLACEMENT = `${RG_RULES.map((_, i) => `\${p${i}}`).join("")}****${RG_RULES.map((_, i) => `\${s${i}}`).join("")}`;

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
  /** User + system CPU seconds: less distorted than wall time on a loaded machine. */
  cpuSeconds: number;
  /** Planted values found in the output afterwards. */
  left: number;
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdoutFile?: string): Measure {
  const out = stdoutFile ? openSync(stdoutFile, "w") : "ignore";
  const r = spawnSync("/usr/bin/time", ["-f", "BENCH %e %M %U %S", cmd, ...args], {
    env,
    stdio: ["ignore", out, "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (typeof out === "number") closeSync(out);
  const stderr = r.stderr?.toString() ?? "";
  const m = /BENCH ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
  if (r.status !== 0 || !m) {
    const output = stdoutFile ? readHead(stdoutFile, 1 << 20) : "";
    throw new Error(`${cmd} failed (${r.status}): ${stderr.slice(-2000)}\n${output.slice(-4000)}`);
  }
  return { seconds: Number(m[1]), peakRssMb: Number(m[2]) / 1024, cpuSeconds: Number(m[3]) + Number(m[4]), left: 0 };
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
  const result = readFileSync(env.GITHUB_OUTPUT as string, "utf8");
  if (!/result<<[^\n]*\n(masked|clean)\n/.test(result))
    throw new Error(`masker ${mode}: unexpected outputs\n${result}`);
  m.left = leftovers(target);
  rmSync(ws, { recursive: true, force: true });
  return m;
}

function runSed(dir: string, original: string): Measure {
  const script = join(dir, "rules.sed");
  writeFileSync(script, SED_SCRIPT);
  const out = join(dir, "sed.out");
  const m = timed("sed", ["-E", "-f", script, original], { PATH: process.env.PATH, LC_ALL: "C" }, out);
  m.left = leftovers(out);
  rmSync(out, { force: true });
  return m;
}

/** ripgrep, if installed (`apt-get install ripgrep`); undefined otherwise. */
function runRg(dir: string, original: string): Measure | undefined {
  if (spawnSync("rg", ["--version"]).status !== 0) return undefined;
  const out = join(dir, "rg.out");
  const args = ["--passthru", "--no-line-number", "--no-filename", "--color", "never", "--text"];
  const m = timed("rg", [...args, "-r", RG_REPLACEMENT, "-e", RG_PATTERN, original], { PATH: process.env.PATH }, out);
  m.left = leftovers(out);
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

// A part of each planted value that no mask leaves behind.
const PLANTED = [
  "444455556666",
  "c9akciq32xyz",
  "ghp_R4nd0m",
  "AKIAIOSFODNN7EXAMPLE",
  "wJalrXUtnFEMI",
  DB_PASSWORD,
  "eyJhbGciOi",
  ACCOUNT,
  "IQoJb3JpZ2lu",
];

/** Planted values still in the whole file: a fast tool that masks nothing proves nothing. */
function leftovers(path: string): number {
  const fd = openSync(path, "r");
  const longest = Math.max(...PLANTED.map((p) => p.length));
  const buf = Buffer.alloc(8 << 20);
  let carry = 0;
  let left = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, carry, buf.length - carry, null);
      const end = carry + n;
      // An occurrence is counted in the block where it starts; the last bytes are carried into the next block.
      const limit = n === 0 ? end : end - (longest - 1);
      for (const p of PLANTED)
        for (let i = buf.indexOf(p, 0, "latin1"); i !== -1 && i < limit; i = buf.indexOf(p, i + 1, "latin1"))
          if (i + p.length <= end) left++;
      if (n === 0) break;
      buf.copy(buf, 0, limit, end);
      carry = end - limit;
    }
  } finally {
    closeSync(fd);
  }
  return left;
}

function version(cmd: string): string {
  const r = spawnSync(cmd, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? (r.stdout.split("\n")[0] ?? cmd) : `${cmd}: not installed`;
}

const dir = mkdtempSync(join(tmpdir(), "mask-bench-"));
try {
  const original = join(dir, "app.log");
  console.log(`generating ${MB} MiB log in ${dir} ...`);
  const lines = generate(original);
  const bytes = statSync(original).size;
  const planted = Math.ceil(lines / PLANT_EVERY);
  console.log(`${lines} lines, one planted value every ${PLANT_EVERY} lines (${planted} values)`);
  // What Node, the bundle and the failed STS lookup cost before any masking: the masker's floor.
  const floorFile = join(dir, "one-line.log");
  writeFileSync(floorFile, `${PLANTS[0]}\n`);
  const floor = runMasker(dir, floorFile, "mask-and-verify");
  // This kind of VM's CPU speed drifts by up to 1.6x within minutes (sed alone took 20 to 33 s per GiB in one
  // hour): each round runs sed and both masker modes back to back, in a rotating order, and the table shows each
  // tool's median round; the ratios are the medians of the rounds' own ratios. ripgrep (slow) runs once.
  const rounds: { sed: Measure; mask: Measure; maskVerify: Measure }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = ["sed", "mask", "mask-and-verify"].map((_, i, a) => a[(i + r) % a.length] as string);
    const got: Partial<Record<string, Measure>> = {};
    for (const tool of order) got[tool] = tool === "sed" ? runSed(dir, original) : runMasker(dir, original, tool);
    rounds.push({ sed: got.sed as Measure, mask: got.mask as Measure, maskVerify: got["mask-and-verify"] as Measure });
    console.log(
      `round ${r + 1}/${ROUNDS} (${order.join(", ")}): sed ${got.sed?.seconds.toFixed(2)} s, mask ${got.mask?.seconds.toFixed(2)} s, mask-and-verify ${got["mask-and-verify"]?.seconds.toFixed(2)} s`,
    );
  }
  const rg = runRg(dir, original);
  const sed = medianBy(rounds.map((r) => r.sed));
  const mask = medianBy(rounds.map((r) => r.mask));
  const maskVerify = medianBy(rounds.map((r) => r.maskVerify));
  const mbps = (m: Measure) => bytes / 1024 / 1024 / m.seconds;
  const row = (name: string, m: Measure) =>
    `| ${name} | ${m.seconds.toFixed(2)} | ${mbps(m).toFixed(1)} | ${m.cpuSeconds.toFixed(2)} | ${m.peakRssMb.toFixed(0)} | ${m.left} |`;
  console.log(
    `\nnode ${process.version}, ${version("sed")}, ${version("rg")}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}, ${cpus().length} CPUs`,
  );
  console.log(
    `\n| tool (${MB} MiB) | seconds | MiB/s | CPU seconds | peak RSS MB | planted values left |\n| --- | ---: | ---: | ---: | ---: | ---: |`,
  );
  console.log(row("evidence-mask, mode mask", mask));
  console.log(row("evidence-mask, mode mask-and-verify", maskVerify));
  console.log(row("GNU sed -E (LC_ALL=C), equivalent rules", sed));
  if (rg) console.log(row("ripgrep --passthru -r, equivalent rules (one alternation)", rg));
  else console.log("| ripgrep | not installed: skipped | | | | |");
  console.log(
    `| evidence-mask on a one-line file (Node + bundle + STS lookup) | ${floor.seconds.toFixed(2)} | | ${floor.cpuSeconds.toFixed(2)} | ${floor.peakRssMb.toFixed(0)} | ${floor.left} |`,
  );
  const ratio = (a: Measure, b: Measure) =>
    `${(mbps(a) / mbps(b)).toFixed(2)}x (CPU time ${(b.cpuSeconds / a.cpuSeconds).toFixed(2)}x)`;
  const roundRatios = (pick: (r: (typeof rounds)[number]) => Measure) => {
    const wall = median(rounds.map((r) => r.sed.seconds / pick(r).seconds));
    const cpu = median(rounds.map((r) => r.sed.cpuSeconds / pick(r).cpuSeconds));
    const each = rounds.map((r) => (r.sed.seconds / pick(r).seconds).toFixed(2)).join(", ");
    return `${wall.toFixed(2)}x (CPU time ${cpu.toFixed(2)}x; rounds ${each})`;
  };
  console.log(
    `\nmedian of ${ROUNDS} rounds' ratios, evidence-mask / sed: ${roundRatios((r) => r.maskVerify)} (mask-and-verify), ${roundRatios((r) => r.mask)} (mask)`,
  );
  console.log(
    `\nthroughput evidence-mask / sed: ${ratio(maskVerify, sed)} (mask-and-verify), ${ratio(mask, sed)} (mask)` +
      (rg ? `; / ripgrep: ${ratio(maskVerify, rg)} (mask-and-verify), ${ratio(mask, rg)} (mask)` : "") +
      `; peak RSS ${maskVerify.peakRssMb.toFixed(0)} MB (sed ${sed.peakRssMb.toFixed(0)} MB${rg ? `, ripgrep ${rg.peakRssMb.toFixed(0)} MB` : ""})`,
  );
  const left = [...rounds.flatMap((r) => [r.mask, r.maskVerify, r.sed]), ...(rg ? [rg] : [])].filter((m) => m.left > 0);
  if (left.length > 0) throw new Error("a tool left planted values (see the table)");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
