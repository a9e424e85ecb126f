/**
 * Text for the job log that the runner cannot take for a workflow command. The runner reads every line a step
 * prints and runs, as a command, a line that starts with `::name::` once leading white space is trimmed
 * (ActionCommand.TryParseV2) and, failing that, one holding the legacy `##[name]` anywhere (ActionCommand.TryParse,
 * which it still tries: src/Runner.Worker/ActionCommandManager.cs). The suite logs names and text it did not write:
 * file names in the evidence folder, task definition fields, HTTP answers. A file named `.x\n::stop-commands::t`
 * would make the runner ignore every later `::add-mask::` of the step, and a `##[add-matcher]` could load a
 * problem matcher. A zero-width space after the first character breaks the command; the line reads the same.
 */
// .NET's TrimStart trims what Char.IsWhiteSpace calls white space, U+0085 included (JavaScript's \s does not).
const COMMAND_START = /^([\s\u0085]*):(?=:)/gmu;
const LEGACY_COMMAND = /#(?=#\[)/g;

export function inertLogText(text: string): string {
  return text.replace(COMMAND_START, "$1:\u200b").replace(LEGACY_COMMAND, "#\u200b");
}
