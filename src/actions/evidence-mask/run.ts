import { rmSync } from "node:fs";
import { InputError } from "../../lib/errors";
import { EvidenceWriter, evidenceTimestamp } from "../../lib/evidence";
import { SECRET_MASK } from "../../lib/masking";
import type { ActionDeps, ActionResult } from "../../lib/run-action";
import { logMaskPieces } from "../../lib/secret-policy";
import { builtInRules, compile, literalRule, type MaskRule, regexRule } from "./engine";
import { commonDirectory, expandGlobs, type GlobResult, relativeTo } from "./glob";
import type { CustomRule, MaskInputs } from "./inputs";
import { buildReport, type FileOutcome, findingLines, remainingOf, summaryMarkdown } from "./report";
import { withTimeBudget } from "./rule-budget";
import { expandSecretValues } from "./secret-forms";
import { type CallerAccount, type FetchedSecret, planSecrets, unmaskableMessage } from "./secrets";
import { maskFileStream } from "./stream";

export interface UploadedArtifact {
  id: number;
  size: number | undefined;
  /** SHA-256 of the archive, hex, as @actions/artifact reports it. */
  digest: string | undefined;
}

export interface MaskDeps extends ActionDeps {
  workspace: string;
  callerAccount(region: string): Promise<CallerAccount>;
  fetchSecrets(ids: readonly string[], region: string): Promise<FetchedSecret[]>;
  uploadArtifact(
    name: string,
    files: string[],
    root: string,
    opts: { retentionDays: number | undefined; overwrite: boolean },
  ): Promise<UploadedArtifact>;
  /** `<server>/<owner>/<repo>/actions/runs/<run id>/artifacts/<id>`, as actions/upload-artifact builds it. */
  artifactUrl(id: number): string;
  chunkBytes?: number;
  pauseMs?: number;
  /** Time one custom rule may take to search one window of text (CUSTOM_RULE_BUDGET_MS by default). */
  customRuleBudgetMs?: number;
}

// Each distinct value found is registered with the runner's log masker; a log
// with millions of distinct tokens must not make the step's memory grow without bound.
const MAX_REGISTERED_VALUES = 20_000;

/** Registers a value with the log masker line by line, never a piece so short it would blank out ordinary text. */
export function secretRegistrar(setSecret: (v: string) => void, warn: (m: string) => void) {
  const seen = new Set<string>();
  let warned = false;
  return (value: string) => {
    for (const p of logMaskPieces(value)) {
      if (seen.has(p)) continue;
      if (seen.size >= MAX_REGISTERED_VALUES) {
        if (!warned)
          warn(`More than ${MAX_REGISTERED_VALUES} distinct values found; only the first are masked in the job log.`);
        warned = true;
        return;
      }
      seen.add(p);
      setSecret(p);
    }
  };
}

/** Latin1 view of a UTF-8 string: files are scanned byte for byte (see stream.ts). */
const asBytes = (s: string) => Buffer.from(s, "utf8").toString("latin1");

function customRule(rule: CustomRule, budgetMs: number | undefined): MaskRule {
  const compiled = regexRule({
    name: rule.name,
    description: `custom rule ${rule.name}`,
    regex: rule.regex,
    replacement: rule.replacement,
    maxLength: 4096,
  });
  return withTimeBudget(compiled, budgetMs);
}

export async function run(inputs: MaskInputs, deps: MaskDeps): Promise<ActionResult> {
  const register = secretRegistrar(
    (v) => deps.log.secret(v),
    (m) => deps.log.warning(m),
  );
  for (const v of inputs.secretValues) register(v);

  const found = expandGlobs(inputs.patterns, deps.workspace, { includeHidden: inputs.includeHiddenFiles });
  const leftOut = leftOutNote(found, deps.workspace);
  if (leftOut) deps.log.info(leftOut);
  if (found.files.length === 0) return noFiles(inputs, deps, leftOut);
  for (const temp of found.staleTemps) {
    rmSync(temp, { force: true });
    deps.log.info(`Removed ${relativeTo(deps.workspace, temp)}, left behind by an interrupted run.`);
  }

  const accountIds = [...inputs.accountIds];
  const caller = await deps.callerAccount(inputs.region ?? "us-east-1");
  if (caller.account !== undefined) {
    deps.log.secret(caller.account);
    if (!accountIds.includes(caller.account)) accountIds.push(caller.account);
    deps.log.info("The caller's own account ID (from sts:GetCallerIdentity) is masked wherever it appears.");
  } else {
    deps.log.info(
      `Could not read the caller's account ID (${caller.reason}); only account IDs in ARNs and those listed in 'account-ids' are masked.`,
    );
  }

  const secretValues = [...inputs.secretValues];
  const plan = planSecrets(
    inputs.secretIds.length > 0 ? await deps.fetchSecrets(inputs.secretIds, inputs.region ?? "") : [],
  );
  if (inputs.secretIds.length > 0) {
    for (const v of [...plan.evidence, ...plan.logOnly]) register(v);
    secretValues.push(...plan.evidence);
    deps.log.info(
      `Read ${inputs.secretIds.length} secret(s) from Secrets Manager: ${plan.evidence.length} value(s) to mask.`,
    );
  }
  const forms = expandSecretValues(secretValues, inputs.minSecretLength);
  for (const f of forms) register(f);

  const rules: MaskRule[] = builtInRules({ names: inputs.rules, accountIds });
  if (forms.length > 0) {
    rules.push(
      literalRule({
        name: "secret-value",
        description: "secret values (as is, URL-encoded, JSON-escaped, base64)",
        values: forms.map(asBytes),
        replacement: SECRET_MASK,
      }),
    );
  }
  rules.push(...inputs.customRules.map((r) => customRule(r, deps.customRuleBudgetMs)));
  const ruleNames = [...new Set(rules.map((r) => r.name))];
  const masker = compile(rules);

  // The same value found again (a password on every line) is already registered: skip decoding it again.
  const registered = new Set<string>();
  const onValue = (v: string) => {
    if (registered.has(v)) return;
    if (registered.size < MAX_REGISTERED_VALUES) registered.add(v);
    register(Buffer.from(v, "latin1").toString("utf8"));
  };
  const stream = { chunkBytes: deps.chunkBytes, pauseMs: deps.pauseMs } as const;
  const outcomes: FileOutcome[] = [];
  for (const file of found.files) {
    const rel = relativeTo(deps.workspace, file);
    const outcome: FileOutcome = { path: rel, bytes: 0, binary: false, rewritten: false, masked: {}, remaining: {} };
    if (inputs.mode === "verify") {
      const scan = await maskFileStream(file, masker, { ...opts(stream), rewrite: false, onValue });
      Object.assign(outcome, { bytes: scan.bytes, binary: scan.binary, remaining: remainingOf(scan) });
    } else {
      const verify = inputs.mode === "mask-and-verify";
      const scan = await maskFileStream(file, masker, { ...opts(stream), rewrite: true, verify, onValue });
      Object.assign(outcome, { bytes: scan.bytes, binary: scan.binary, rewritten: scan.rewritten });
      if (scan.binary) outcome.remaining = remainingOf(scan);
      else outcome.masked = scan.counts;
      // The masked bytes were scanned as they were written (the verification pass, without reading them back).
      if (scan.rewritten && scan.verified) outcome.remaining = remainingOf(scan.verified);
    }
    outcomes.push(outcome);
  }

  const timestamp = evidenceTimestamp(new Date(deps.clock.now()));
  const reportDir = commonDirectory(found.files);
  const report = buildReport({
    timestamp,
    mode: inputs.mode,
    rules: ruleNames,
    files: outcomes,
    unmaskable: plan.unmaskable,
    skipped: found.symlinks.map((s) => ({
      path: relativeTo(deps.workspace, s),
      reason: "symbolic link: not followed, not rewritten, not uploaded",
    })),
  });
  const reportPath = new EvidenceWriter(reportDir, timestamp).writeJson("mask_report", report);

  const findings = findingLines(report);
  for (const f of findings) deps.log.error(f.message, { file: f.file, startLine: f.line, title: "evidence-mask" });
  for (const s of report.skipped) deps.log.warning(`Skipped ${s.path}: ${s.reason}.`);
  deps.log.info(
    `${report.maskedCount} value(s) masked in ${outcomes.filter((o) => o.rewritten).length} of ${outcomes.length} file(s); report: ${relativeTo(deps.workspace, reportPath)}.`,
  );

  let failure: string | undefined;
  let artifact: { name: string; id: number; url: string; digest: string } | undefined;
  if (plan.unmaskable.length > 0) {
    failure = unmaskableMessage(plan.unmaskable) + (inputs.artifactName ? " Nothing was uploaded." : "");
  } else if (findings.length > 0) {
    failure =
      `Verification found ${report.remainingCount} value(s) the rules still match, in ${new Set(findings.map((f) => f.file)).size} file(s): ` +
      `${findings.map((f) => f.message).join("; ")}. ` +
      (inputs.mode === "verify"
        ? "Run this step with mode 'mask-and-verify' before publishing the evidence."
        : "Remove or exclude those files (a '!' line in 'path') and run again.") +
      (inputs.artifactName ? " Nothing was uploaded." : "");
  } else if (inputs.artifactName) {
    const files = [...found.files, reportPath];
    try {
      const uploaded = await deps.uploadArtifact(inputs.artifactName, files, reportDir, {
        retentionDays: inputs.retentionDays,
        overwrite: inputs.overwrite,
      });
      artifact = {
        name: inputs.artifactName,
        id: uploaded.id,
        url: deps.artifactUrl(uploaded.id),
        digest: uploaded.digest ?? "",
      };
      deps.log.info(`Uploaded ${files.length} file(s) as artifact '${inputs.artifactName}' (id ${uploaded.id}).`);
    } catch (error) {
      // The masking happened: its outputs are set all the same, so a later step can still read the report.
      failure = uploadError(inputs.artifactName, error);
    }
  }
  await deps.summary.write(summaryMarkdown(report, artifact));

  return {
    outputs: {
      result: report.result,
      "masked-count": report.maskedCount,
      report: reportPath,
      "artifact-id": artifact ? String(artifact.id) : "",
      "artifact-url": artifact?.url ?? "",
      "artifact-digest": artifact?.digest ?? "",
    },
    ...(failure ? { failure } : {}),
  };
}

/** One line on what the patterns matched but the step leaves out (hidden files, .git), or undefined. */
function leftOutNote(found: GlobResult, workspace: string): string | undefined {
  const parts: string[] = [];
  if (found.hidden.length > 0) {
    const names = found.hidden.slice(0, 5).map((h) => relativeTo(workspace, h));
    parts.push(
      `${found.hidden.length} hidden file(s) or folder(s) left out (${names.join(", ")}${found.hidden.length > 5 ? ", …" : ""}); set 'include-hidden-files: true' to mask and upload them`,
    );
  }
  if (found.git.length > 0)
    parts.push(".git is never masked or uploaded, whatever 'path' and 'include-hidden-files' say");
  return parts.length > 0 ? `${parts.join(". ")}.` : undefined;
}

/** Nothing to mask: `if-no-files-found` decides, as in actions/upload-artifact. */
async function noFiles(inputs: MaskInputs, deps: MaskDeps, leftOut: string | undefined): Promise<ActionResult> {
  const what = `No files were found with the provided path: ${inputs.patterns.join(", ")} (relative to ${deps.workspace}).`;
  if (inputs.ifNoFilesFound === "error") {
    throw new InputError(
      "path",
      `matched no files under ${deps.workspace} (patterns: ${inputs.patterns.join(", ")}).${leftOut ? ` ${leftOut}` : ""}`,
      "Paths are relative to the workspace; check that the step that writes the evidence ran first, or set 'if-no-files-found: warn'.",
    );
  }
  const message = `${what}${inputs.artifactName ? " No artifact will be uploaded." : ""}`;
  if (inputs.ifNoFilesFound === "warn") deps.log.warning(message);
  else deps.log.info(message);
  await deps.summary.write(`## evidence-mask ✅ clean\n\n${message}\n`);
  return {
    outputs: {
      result: "clean",
      "masked-count": 0,
      report: "",
      "artifact-id": "",
      "artifact-url": "",
      "artifact-digest": "",
    },
  };
}

function opts(s: { chunkBytes: number | undefined; pauseMs: number | undefined }) {
  return {
    ...(s.chunkBytes !== undefined ? { chunkBytes: s.chunkBytes } : {}),
    ...(s.pauseMs !== undefined ? { pauseMs: s.pauseMs } : {}),
  };
}

function uploadError(name: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/ACTIONS_RUNTIME_TOKEN|ACTIONS_RESULTS_URL/.test(message)) {
    return (
      `Uploading artifact '${name}' needs the Actions runtime (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL), which was not available: ${message}. ` +
      "Run the action as a step of a GitHub Actions job (not in a 'run:' script), or leave 'artifact-name' empty and upload with actions/upload-artifact."
    );
  }
  const conflict = /\b409\b|already exists/i.test(message)
    ? " An artifact of this name already exists in this workflow run: set 'overwrite: true' to replace it, or give each job (each matrix leg) its own 'artifact-name'."
    : "";
  return `Uploading artifact '${name}' failed: ${message}.${conflict} The masked files are still in place.`;
}
