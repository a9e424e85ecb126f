import { InputError } from "../../lib/errors";
import {
  assertKnownKeys,
  type InputSource,
  isPlainObject,
  readBoolean,
  readEnum,
  readList,
  readNumber,
  readOptionalString,
  readRegion,
  readYaml,
} from "../../lib/inputs";
import { pathRoots, resolveInputPath } from "../../lib/paths";
import { isMaskable, MIN_MASKABLE_LENGTH } from "../../lib/secret-policy";
import { BUILT_IN_RULES, type BuiltInRuleName } from "./engine";

export const MODES = ["mask", "verify", "mask-and-verify"] as const;
export type Mode = (typeof MODES)[number];
/** actions/upload-artifact's `if-no-files-found`. */
export const IF_NO_FILES_FOUND = ["warn", "error", "ignore"] as const;
export type IfNoFilesFound = (typeof IF_NO_FILES_FOUND)[number];

export interface CustomRule {
  name: string;
  regex: RegExp;
  replacement: string;
}

export interface MaskInputs {
  patterns: string[];
  rules: BuiltInRuleName[];
  accountIds: string[];
  secretIds: string[];
  /** Literal values (run() registers each with the log's secret masking before anything is logged). */
  secretValues: string[];
  customRules: CustomRule[];
  mode: Mode;
  artifactName: string | undefined;
  retentionDays: number | undefined;
  /** Delete an artifact of the same name in this run before uploading (upload-artifact's `overwrite`). */
  overwrite: boolean;
  includeHiddenFiles: boolean;
  ifNoFilesFound: IfNoFilesFound;
  /** Needed for secret-ids; otherwise optional (STS is global). */
  region: string | undefined;
  /** Lines of a multi-line secret at least this long are masked on their own too. */
  minSecretLength: number;
}

const RULE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
// What @actions/artifact refuses in a name; checked here so nothing is masked before a bad name fails the step.
const BAD_ARTIFACT_CHARS = /["':<>|*?\r\n\\/]/;

export function readInputs(get: InputSource, env: NodeJS.ProcessEnv = process.env): MaskInputs {
  const patterns = readList(get, "path");
  const secretIds = readList(get, "secret-ids", { commas: true });
  const minSecretLength = readNumber(get, "min-secret-length", { default: 6, min: MIN_MASKABLE_LENGTH, max: 1024 });
  const retention = readNumber(get, "retention-days", { default: 0, min: 0, max: 90 });
  const artifactName = readOptionalString(get, "artifact-name");
  if (artifactName !== undefined && BAD_ARTIFACT_CHARS.test(artifactName)) {
    throw new InputError(
      "artifact-name",
      `'${artifactName}' contains a character artifact names may not have.`,
      `Avoid " : < > | * ? \\ / and line breaks.`,
    );
  }
  return {
    patterns: patternsInsideWorkspace(patterns.length > 0 ? patterns : ["evidence/**"], env),
    rules: readRules(get),
    accountIds: readAccountIds(get),
    secretIds,
    secretValues: readSecretValues(get),
    customRules: readCustomRules(get),
    mode: readEnum(get, "mode", MODES, "mask-and-verify"),
    artifactName,
    retentionDays: retention === 0 ? undefined : retention,
    overwrite: readBoolean(get, "overwrite", false),
    includeHiddenFiles: readBoolean(get, "include-hidden-files", false),
    ifNoFilesFound: readEnum(get, "if-no-files-found", IF_NO_FILES_FOUND, "warn"),
    region:
      secretIds.length > 0
        ? readRegion(get, "aws-region", env)
        : get("aws-region").trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    minSecretLength,
  };
}

function readRules(get: InputSource): BuiltInRuleName[] {
  const names = readList(get, "rules", { commas: true });
  if (names.length === 0 || (names.length === 1 && names[0] === "all")) return [...BUILT_IN_RULES];
  const known = BUILT_IN_RULES as readonly string[];
  for (const name of names) {
    if (!known.includes(name)) {
      throw new InputError(
        "rules",
        `unknown rule '${name}'.`,
        `Built-in rules: ${BUILT_IN_RULES.join(", ")} (or 'all').`,
      );
    }
  }
  return [...new Set(names)] as BuiltInRuleName[];
}

function readAccountIds(get: InputSource): string[] {
  const ids = readList(get, "account-ids", { commas: true }).map((id) => id.replace(/-/g, ""));
  for (const id of ids) {
    if (!/^\d{12}$/.test(id)) throw new InputError("account-ids", `'${id}' is not a 12-digit AWS account ID.`);
  }
  return [...new Set(ids)];
}

/** One value a line. Every one is a secret, so a short one is refused rather than left in clear. */
function readSecretValues(get: InputSource): string[] {
  const lines = get("secret-values").split(/\r?\n/);
  lines.forEach((v, i) => {
    if (v.trim() !== "" && !isMaskable(v)) {
      throw new InputError(
        "secret-values",
        `line ${i + 1} is shorter than ${MIN_MASKABLE_LENGTH} characters: too short to mask without destroying the evidence, and never left in clear.`,
        "Rotate that secret to a longer value, or remove the line if it is not secret.",
      );
    }
  });
  return lines.filter((v) => v.trim() !== "");
}

function readCustomRules(get: InputSource): CustomRule[] {
  const raw = readYaml(get, "custom-rules");
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    throw new InputError("custom-rules", "must be a YAML list of {name, regex, replacement}.");
  }
  const seen = new Set<string>(BUILT_IN_RULES);
  seen.add("secret-value");
  return raw.map((item, index) => {
    const where = `item ${index + 1}`;
    if (!isPlainObject(item))
      throw new InputError("custom-rules", `${where} must be a mapping {name, regex, replacement}.`);
    assertKnownKeys("custom-rules", where, item, ["name", "regex", "replacement", "flags"]);
    const { name, regex, replacement = "****", flags = "" } = item;
    if (typeof name !== "string" || !RULE_NAME.test(name)) {
      throw new InputError("custom-rules", `${where}: 'name' must be lowercase letters, digits and dashes.`);
    }
    if (seen.has(name)) throw new InputError("custom-rules", `${where}: the name '${name}' is already used.`);
    seen.add(name);
    if (typeof regex !== "string" || regex === "") {
      throw new InputError("custom-rules", `rule '${name}': 'regex' must be a non-empty string.`);
    }
    if (typeof replacement !== "string") {
      throw new InputError("custom-rules", `rule '${name}': 'replacement' must be a string.`);
    }
    if (typeof flags !== "string" || !/^[imsu]*$/.test(flags)) {
      throw new InputError("custom-rules", `rule '${name}': 'flags' may only hold i, m, s and u.`);
    }
    let compiled: RegExp;
    try {
      compiled = new RegExp(regex, flags);
    } catch (error) {
      const msg = error instanceof Error ? error.message : String(error);
      throw new InputError("custom-rules", `rule '${name}': invalid regex: ${msg}`, "Use JavaScript regex syntax.");
    }
    if (compiled.test("")) {
      throw new InputError(
        "custom-rules",
        `rule '${name}': the regex matches the empty string.`,
        "Make it match text.",
      );
    }
    return { name, regex: compiled, replacement };
  });
}

/**
 * Files are masked in place and uploaded, so every pattern's literal part (up to
 * the first wildcard) must stay inside the workspace, symlinks resolved: `../etc/**`,
 * `/etc/passwd` or a link to outside are refused before anything is read.
 * `!` lines only remove files and need no check.
 */
function patternsInsideWorkspace(patterns: string[], env: NodeJS.ProcessEnv): string[] {
  const roots = pathRoots(env);
  for (const pattern of patterns) {
    if (pattern.startsWith("!")) continue;
    const segments = pattern.replace(/\\/g, "/").split("/");
    const firstMagic = segments.findIndex((s) => /[*?[]/.test(s));
    const literal = firstMagic === -1 ? segments : segments.slice(0, firstMagic);
    const base = literal.join("/") || (pattern.startsWith("/") ? "/" : ".");
    try {
      resolveInputPath("path", base, "write", roots);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      throw new InputError(
        "path",
        `the pattern '${pattern}' reaches outside the workspace (${roots.workspace}): evidence-mask rewrites and uploads what it matches, so it only works inside the workspace.`,
        "Use a path relative to the workspace, like 'evidence/**'; symbolic links out of the workspace are not followed.",
      );
    }
  }
  return patterns;
}
