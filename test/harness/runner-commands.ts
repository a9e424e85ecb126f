/**
 * What the Actions runner could take for a workflow command in a step's output, for tests of what the suite logs.
 * The runner runs a line that starts with `::name::` once leading white space is trimmed (ActionCommand.TryParseV2;
 * .NET's TrimStart trims U+0085 too) and, failing that, one holding the legacy `##[name]` anywhere (TryParse, which
 * ActionCommandManager still tries). This model is stricter: the closing `::` or `]` is not required.
 */

/** The runner's lines: StreamReader.ReadLine ends a line at \n, \r or \r\n. */
export const runnerLines = (text: string) => text.split(/\r\n|\r|\n/);

/** The name of the command `line` could carry (possibly ""), or undefined when it carries none. */
export function runnerCommand(line: string): string | undefined {
  const v2 = /^[\s\u0085]*::([^:\s]*)/u.exec(line);
  if (v2) return v2[1];
  return /##\[([^\]\s]*)/.exec(line)?.[1];
}
