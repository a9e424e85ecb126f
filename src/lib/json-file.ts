import { readFileSync } from "node:fs";
import { InputError } from "./errors";

/**
 * Reads and parses a JSON file a path input names. A syntax error says where
 * (line and column), never what: V8's messages quote the text around the error
 * (`Unexpected token 'p', "password=hunter2..." is not valid JSON`), and the
 * file may be anything a symlink or a typo pointed at.
 */
export function readJsonFile(input: string, path: string, display: string): { text: string; value: unknown } {
  const text = readFileSync(path, "utf8");
  try {
    return { text, value: JSON.parse(text) };
  } catch (error) {
    throw new InputError(
      input,
      `${display} is not valid JSON${syntaxErrorWhere(text, error)}.`,
      "Check the file's syntax (for example with `jq . <file>`).",
    );
  }
}

/** `at line 3, column 7 (Expected ',' or '}' after property value)`, or '' when V8 did not say where. */
export function syntaxErrorWhere(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  if (/Unexpected end of JSON input/.test(message)) return ": it ends too early";
  const m = /^(.*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (!m) return "";
  const position = Number(m[2]);
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  // Only V8's fixed descriptions, never one that quotes the file's text.
  const what = m[1] && !/Unexpected token|"/.test(m[1]) ? ` (${m[1]})` : "";
  return ` at line ${line}, column ${column}${what}`;
}
