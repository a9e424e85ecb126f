import { InputError } from "../../lib/errors";
import { isPlainObject } from "../../lib/inputs";
import { isMaskable, logMaskPieces, logMaskValues, MIN_MASKABLE_LENGTH } from "../../lib/secret-policy";

/** The secret fields this check reads, each under one of several key names. */
export const SECRET_FIELDS = ["host", "port", "dbname", "username", "password", "engine"] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];
export type KeyMap = Record<SecretField, readonly string[]>;

/** The key names RDS itself writes, plus the spellings teams commonly use. */
export const DEFAULT_KEY_MAP: KeyMap = {
  host: ["host", "hostname", "endpoint"],
  port: ["port"],
  dbname: ["dbname", "database", "db", "dbName"],
  username: ["username", "user"],
  password: ["password", "pass"],
  engine: ["engine"],
};

/**
 * `key-map` input: `{ field: alias | [aliases] }`. The aliases given for a
 * field replace its defaults, in the order they are tried.
 */
export function parseKeyMap(value: unknown, input = "key-map"): KeyMap {
  if (value === undefined || value === null) return DEFAULT_KEY_MAP;
  if (!isPlainObject(value)) {
    throw new InputError(input, "must be a YAML mapping of field to key name(s).", "Example: `host: DB_HOST`.");
  }
  const map: Record<string, readonly string[]> = { ...DEFAULT_KEY_MAP };
  for (const [field, aliases] of Object.entries(value)) {
    if (!(SECRET_FIELDS as readonly string[]).includes(field)) {
      throw new InputError(input, `has unknown field '${field}'.`, `Fields: ${SECRET_FIELDS.join(", ")}.`);
    }
    const list = typeof aliases === "string" ? [aliases] : aliases;
    if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === "string" && a.trim() !== "")) {
      throw new InputError(input, `field '${field}' must be a key name or a list of key names.`);
    }
    map[field] = list.map((a: string) => a.trim());
  }
  return map as KeyMap;
}

/** What the secret says, field by field, and under which key it was found. */
export interface SecretContents {
  values: Partial<Record<SecretField, string>>;
  keys: Partial<Record<SecretField, string>>;
  dbInstanceIdentifier?: string;
  dbClusterIdentifier?: string;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Parses the JSON key/value secret. Errors never quote the secret: a parse
 * error message can contain a piece of it.
 */
export function parseSecretString(secretString: string, secretId: string, keyMap: KeyMap): SecretContents {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new InputError(
      "secret-id",
      `secret '${secretId}' is not JSON. Expected key/value pairs like those RDS writes ({"host": …, "port": …, "username": …, "password": …}).`,
    );
  }
  if (!isPlainObject(parsed)) {
    throw new InputError("secret-id", `secret '${secretId}' is JSON but not an object of key/value pairs.`);
  }
  const contents: SecretContents = { values: {}, keys: {} };
  for (const field of SECRET_FIELDS) {
    for (const key of keyMap[field]) {
      const value = scalar(parsed[key]);
      if (value !== undefined) {
        contents.values[field] = value;
        contents.keys[field] = key;
        break;
      }
    }
  }
  const instance = scalar(parsed.dbInstanceIdentifier);
  const cluster = scalar(parsed.dbClusterIdentifier);
  if (instance) contents.dbInstanceIdentifier = instance;
  if (cluster) contents.dbClusterIdentifier = cluster;
  return contents;
}

/**
 * Key names the key map reads the engine, the port and the database name
 * from: not credentials, so public for the shared secret policy, like the
 * keys it knows by name (src/lib/secret-policy.ts PUBLIC_SECRET_KEYS).
 */
export function publicKeyNames(keyMap: KeyMap): string[] {
  return [...keyMap.engine, ...keyMap.port, ...keyMap.dbname];
}

/**
 * The strings to register with the runner's log masker as soon as the secret
 * is read, and to redact from anything this step reports: what the shared
 * secret policy hands the log masker (`logMaskValues`, as evidence-mask
 * registers the same secret), with the key map's engine/port/dbname keys
 * public. None is shorter than MIN_MASKABLE_LENGTH; a password that short
 * makes the step fail instead (see read-secret.ts). The password and user name
 * the step logs in with are kept whatever key they were read from.
 */
export function sensitiveValues(secretString: string, keyMap: KeyMap, contents?: SecretContents): string[] {
  const credentials = [contents?.values.password, contents?.values.username].flatMap((v) =>
    v === undefined ? [] : logMaskPieces(v),
  );
  return [...new Set([...logMaskValues(secretString, publicKeyNames(keyMap)), ...credentials])];
}

/**
 * A password shorter than MIN_MASKABLE_LENGTH cannot go to the runner's log
 * masker (it would blank `abc` in every word of the log), so nothing this step
 * printed could be proven free of it: the step fails right after reading the
 * secret, before it logs a line or logs in, naming the secret and the field,
 * never the value, as evidence-mask fails on a field it cannot mask. RDS
 * refuses master passwords under 8 characters anyway. Other short fields (a
 * 3-character `schema`, a 2-character user name) are left out of the masker as
 * the policy says and do not fail the step: the report never prints a value
 * of the secret, only the login check's server message can name the user.
 */
export function assertMaskablePassword(secretId: string, contents: SecretContents): void {
  const password = contents.values.password;
  if (password === undefined) return;
  // The runner masks a value with a line break only line by line: every line must be long enough itself
  // (`abc\r\nxyz` is 8 characters, and neither of its lines could be masked).
  const lines = password.split(/\r\n|\r|\n/).map((l) => l.trim());
  const multiline = lines.length > 1;
  if (lines.every((l) => l === "" || isMaskable(l)) && isMaskable(password.trim())) return;
  throw new InputError(
    "secret-id",
    `secret '${secretId}' field '${contents.keys.password}': ${multiline ? "spans lines, and one of them is " : ""}shorter than ${MIN_MASKABLE_LENGTH} characters, too short for the runner's log masker to hide without blanking unrelated text, so this step stops before using it.`,
    "Rotate the secret to a longer password on one line (16 or more characters; RDS requires at least 8).",
  );
}
