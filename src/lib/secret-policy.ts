/**
 * Which values of a secret are secret, for every action that reads one
 * (evidence-mask masks them in evidence, secrets-rds-drift registers them with
 * the runner's log masker). One policy, so that the same secret is treated the
 * same way whichever step reads it.
 *
 * - public fields (port, engine, dbname, identifiers …) are never masked as
 *   literals: masking `5432`, `postgres` or the service's own name everywhere
 *   would ruin the evidence and blank the job log (`aurora-***ql`);
 * - identifying fields (host) are not secret either, but they are long and
 *   distinctive: the log masker may take them, while evidence keeps them in the
 *   `****.****.<region>.rds.amazonaws.com` shape the rds-endpoint rule writes;
 * - every other field is password-like and is masked however short it is,
 *   down to MIN_MASKABLE_LENGTH; below that a value cannot be masked without
 *   destroying unrelated text, and the step that meets one must fail instead.
 */
import { isPlainObject } from "./inputs";
import { redactor } from "./masking";

/** Shorter values cannot be masked without blanking ordinary text (`abc` in every word). */
export const MIN_MASKABLE_LENGTH = 4;

export const PUBLIC_SECRET_KEYS: ReadonlySet<string> = new Set(
  [
    "port",
    "engine",
    "dbInstanceIdentifier",
    "dbClusterIdentifier",
    "dbname",
    "dbName",
    "database",
    "ssl",
    "sslmode",
    "region",
  ].map((k) => k.toLowerCase()),
);

export const IDENTIFYING_SECRET_KEYS: ReadonlySet<string> = new Set(["host", "hostname", "endpoint"]);

export type FieldClass = "secret" | "identifying" | "public";

/** How a field of a JSON secret is treated; `extraPublic` holds key names a user mapped to a public field. */
export function classifyField(key: string, extraPublic: readonly string[] = []): FieldClass {
  const k = key.toLowerCase();
  if (PUBLIC_SECRET_KEYS.has(k) || extraPublic.some((p) => p.toLowerCase() === k)) return "public";
  if (IDENTIFYING_SECRET_KEYS.has(k)) return "identifying";
  return "secret";
}

export interface SecretField {
  /** `password`, `replica.password`, `hosts[1]`; undefined for the whole secret string. */
  field: string | undefined;
  value: string;
  class: FieldClass;
}

/**
 * The whole secret string and every string or number in it (a JSON secret's
 * fields, nested ones by path), each with its class. Empty and blank values
 * hold nothing to leak and are left out.
 */
export function secretFields(secretString: string, extraPublic: readonly string[] = []): SecretField[] {
  const out: SecretField[] = [];
  const add = (field: string | undefined, value: string, cls: FieldClass) => {
    if (value.trim() !== "") out.push({ field, value, class: cls });
  };
  add(undefined, secretString, "secret");
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    return out;
  }
  const visit = (node: unknown, path: string, cls: FieldClass) => {
    if (typeof node === "string" || typeof node === "number") add(path, String(node), cls);
    else if (Array.isArray(node)) for (const [i, item] of node.entries()) visit(item, `${path}[${i}]`, cls);
    else if (isPlainObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        // A field nested under a public key stays public; otherwise its own name decides.
        visit(v, path === "" ? k : `${path}.${k}`, cls === "public" ? "public" : classifyField(k, extraPublic));
      }
    }
  };
  if (isPlainObject(parsed) || Array.isArray(parsed)) visit(parsed, "", "secret");
  return out;
}

/** True for a value this policy masks as a literal (evidence and log). */
export const isMaskable = (value: string) => value.length >= MIN_MASKABLE_LENGTH;

// PEM armour lines name the kind of key, not the key; masking them would hide that a key was there at all.
const PEM_ARMOUR = /^-----(?:BEGIN|END) [A-Z0-9 ]{1,64}-----$/;

/**
 * The lines of a multi-line value that are long enough (`minLength`, after
 * trimming) to be masked on their own: a PEM body line or one line of a
 * pretty-printed JSON secret may appear in evidence without the rest.
 */
export function secretLines(value: string, minLength: number): string[] {
  if (!/[\r\n]/.test(value)) return [];
  const lines = value
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l.length >= Math.max(minLength, MIN_MASKABLE_LENGTH) && !PEM_ARMOUR.test(l));
  return [...new Set(lines)];
}

/**
 * What to hand the runner's log masker for one value: the value, and each of
 * its lines (the runner masks a registered value only as a whole line set).
 * Never a piece under MIN_MASKABLE_LENGTH, nor PEM armour.
 */
export function logMaskPieces(value: string): string[] {
  const pieces = value
    .split(/\r\n|\r|\n|\\r\\n|\\n/)
    .map((p) => p.trim())
    .filter((p) => isMaskable(p) && !PEM_ARMOUR.test(p));
  // A value on one line is also registered whole: one with an escaped `\n` in it (a generated password can
  // hold a backslash and an n) is printed as it is, and its pieces alone would leave the short ones in clear.
  const whole = value.trim();
  if (!/[\r\n]/.test(whole) && isMaskable(whole) && !PEM_ARMOUR.test(whole)) pieces.unshift(whole);
  return [...new Set(pieces)];
}

/**
 * Everything of one secret the runner's log masker should know: the whole
 * string and each non-public field, line by line, none under MIN_MASKABLE_LENGTH.
 */
export function logMaskValues(secretString: string, extraPublic: readonly string[] = []): string[] {
  const fields = secretFields(secretString, extraPublic).filter((f) => f.class !== "public");
  return [...new Set(fields.flatMap((f) => logMaskPieces(f.value)))];
}

/**
 * Replaces, in what a step reports of a secret (a server's error text, a host
 * it shows), what the runner's log masker was given for it (`maskValues`, from
 * logMaskValues: never a public field) and the pieces of `also` (values the
 * step used beside the secret, like a host read from RDS) with `***`, as the
 * log masker does. Nothing under MIN_MASKABLE_LENGTH is replaced: masking
 * `ssl: "on"` blanked `amazonaws` into `amaz***aws`.
 */
export function secretRedactor(maskValues: readonly string[], also: readonly string[] = []): (text: string) => string {
  return redactor([...maskValues, ...also.flatMap(logMaskPieces)], MIN_MASKABLE_LENGTH);
}
