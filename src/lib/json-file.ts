import { readFileSync } from "node:fs";
import { InputError } from "./errors";

/**
 * Reads and parses a JSON file a path input names. A syntax error says where
 * (line and column), never what: V8's messages quote the text around the error
 * (`Unexpected token 'p', "password=hunter2..." is not valid JSON`), and the
 * file may be anything a symlink or a typo pointed at.
 */
export function readJsonFile(
  input: string,
  path: string,
  display: string,
  /** The file's workspace-relative path: a syntax error is also annotated there, at its line and column. */
  annotateAs?: string,
): { text: string; value: unknown } {
  const text = readFileSync(path, "utf8");
  try {
    return { text, value: JSON.parse(text) };
  } catch (error) {
    const where = syntaxErrorAt(text, error);
    const failure = new InputError(
      input,
      `${display} is not valid JSON${where.text}.`,
      "Check the file's syntax (for example with `jq . <file>`).",
    );
    if (annotateAs) failure.at = { file: annotateAs, ...where.position };
    throw failure;
  }
}

/**
 * Where V8 says the syntax error is: `at line 3, column 7 (Expected ',' or '}' after property value)`
 * (or `: it ends too early`, the last line), or '' when it did not say.
 */
function syntaxErrorAt(text: string, error: unknown): { text: string; position?: { line: number; column: number } } {
  const message = error instanceof Error ? error.message : "";
  const lines = text.split("\n");
  if (/Unexpected end of JSON input/.test(message)) {
    const last = lines.length - (lines.at(-1) === "" && lines.length > 1 ? 1 : 0);
    return { text: ": it ends too early", position: { line: last, column: (lines[last - 1] ?? "").length + 1 } };
  }
  const m = /^(.*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (!m) return { text: "" };
  const offset = Number(m[2]);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  // Only V8's fixed descriptions, never one that quotes the file's text.
  const what = m[1] && !/Unexpected token|"/.test(m[1]) ? ` (${m[1]})` : "";
  return { text: ` at line ${line}, column ${column}${what}`, position: { line, column } };
}
