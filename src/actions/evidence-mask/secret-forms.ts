import { MIN_MASKABLE_LENGTH, secretLines } from "../../lib/secret-policy";

/**
 * The forms a secret takes in evidence, as the producers of that evidence
 * write it. Each list is what one family of encoders emits; values that need
 * no escaping collapse to one form.
 */

/** Inside a JSON string: JavaScript's JSON.stringify, Python's json.dumps (ensure_ascii), PHP's `\/`. */
export function jsonForms(value: string): string[] {
  const js = JSON.stringify(value).slice(1, -1);
  const python = asciiJson(value);
  const once = [js, python, python.replace(/\\u([0-9a-f]{4})/g, (_, h: string) => `\\u${h.toUpperCase()}`)];
  once.push(...once.map((f) => f.replace(/\//g, "\\/")));
  // A JSON string inside a JSON string (CloudWatch messages, Terraform state): escaped once more.
  const twice = once.map((f) => JSON.stringify(f).slice(1, -1));
  return unique([...once, ...twice]);
}

/**
 * Python's json.dumps default (ensure_ascii=True): every UTF-16 code unit
 * outside printable ASCII as `\uxxxx` in lower-case hex, so characters past
 * U+FFFF become a surrogate pair (`\ud83d\ude00`).
 */
export function asciiJson(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ch = value[i] as string;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out;
}

const STRICT_EXTRA = /[!'()*]/g;
const hex = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;

/**
 * Percent-encodings: encodeURIComponent, RFC 3986 unreserved only (Python's
 * quote, with and without `/` safe), HTML forms (URLSearchParams, Python's
 * quote_plus: space as `+`), each also with lower-case hex as some encoders write it.
 */
export function urlForms(value: string): string[] {
  const component = encodeURIComponent(value);
  const strict = component.replace(STRICT_EXTRA, hex);
  const form = new URLSearchParams([["", value]]).toString().slice(1);
  const bases = [component, strict, strict.replace(/%2F/g, "/"), form];
  const withPlus = bases.flatMap((b) => [b, b.replace(/%20/g, "+")]);
  return unique([...withPlus, ...withPlus.map((f) => f.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()))]);
}

const toUrlAlphabet = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_");
// Fragments of base64 taken out of a longer encoding are only masked when long enough not to hit random base64 text.
const MIN_BASE64_FRAGMENT = 8;

/**
 * Base64 in both alphabets, padded and not, and the characters that stay the
 * same when the value sits inside a longer encoded string (`user:password` in
 * a Basic header or a docker config) at any of the three byte alignments.
 */
export function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const padded = bytes.toString("base64");
  const forms = [padded, padded.replace(/=+$/, "")];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString("base64")
      .replace(/=+$/, "");
    // Leading characters that mix in the unknown bytes before; a trailing one that mixes in the bytes after.
    const head = [0, 2, 3][shift] as number;
    const tail = (bytes.length + shift) % 3 === 0 ? 0 : 1;
    const fragment = encoded.slice(head, encoded.length - tail);
    if (fragment.length >= MIN_BASE64_FRAGMENT) forms.push(fragment);
  }
  return unique([...forms, ...forms.map(toUrlAlphabet)]);
}

/**
 * Every form of one secret value: as is, JSON-escaped, percent-encoded,
 * base64; and, for a multi-line value, the same for each line long enough
 * (`minLineLength`) to be a secret on its own.
 */
export function secretForms(value: string, minLineLength: number): string[] {
  if (value.length < MIN_MASKABLE_LENGTH) return [];
  const one = (v: string) => [v, ...jsonForms(v), ...urlForms(v), ...base64Forms(v)];
  const forms = [...one(value), ...secretLines(value, minLineLength).flatMap(one)];
  return unique(forms).filter((f) => f.length >= MIN_MASKABLE_LENGTH);
}

/** Every form of every secret value, ready to mask. */
export function expandSecretValues(values: readonly string[], minLineLength: number): string[] {
  return unique(values.flatMap((v) => secretForms(v, minLineLength)));
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
