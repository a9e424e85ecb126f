import { InputError } from "../../lib/errors";
import { isPlainObject } from "../../lib/inputs";

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
 * The strings to register with `core.setSecret` as soon as the secret is read:
 * the whole secret and every value in it, except the engine name, the port and
 * the DB identifiers. Those are not credentials, and masking `postgres` or
 * `5432` would blank them out of every unrelated log line (`aurora-***ql`).
 */
export function sensitiveValues(secretString: string, contents?: SecretContents): string[] {
  const out = new Set<string>([secretString]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    return [...out];
  }
  const notSecret = new Set<string>(["dbInstanceIdentifier", "dbClusterIdentifier"]);
  for (const field of ["engine", "port"] as const) {
    const key = contents?.keys[field];
    if (key) notSecret.add(key);
  }
  const walk = (value: unknown, key?: string) => {
    if (key !== undefined && notSecret.has(key)) return;
    if (typeof value === "string" && value.trim() !== "") out.add(value);
    else if (typeof value === "number") out.add(String(value));
    else if (Array.isArray(value)) for (const v of value) walk(v);
    else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  if (isPlainObject(parsed)) for (const [k, v] of Object.entries(parsed)) walk(v, k);
  return [...out];
}
