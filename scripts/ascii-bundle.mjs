// A bundle's non-ASCII characters as escapes, so that V8 keeps the bundle's
// source as a one-byte string: one non-ASCII character anywhere (a ’ in a
// comment) makes it a two-byte string, twice the memory for as long as the
// step runs (about 2.5 MB more for evidence-mask's 2.5 MB bundle).
//
// The rewrite keeps the program's meaning, character by character, from where
// each one stands (found with TypeScript's parser, which reads JavaScript):
// - in a string, an untagged template or a regular expression literal: `\uXXXX`
//   (an astral character as its surrogate pair, which a `u` or `v` regular
//   expression reads as one code point); an identity escape before it (`\’`)
//   is dropped (it meant the character itself), and so is a line continuation
//   (a backslash before U+2028 or U+2029, which stands for nothing);
// - in an identifier: `\uXXXX`, or `\u{X}` for an astral character;
// - in a tagged template (String.raw`…`): left as it is, since the tag sees the
//   raw text (the file then stays two-byte, and `asciiSource` says so);
// - anywhere else (comments, the space between tokens): white space as a space,
//   U+2028 and U+2029 as a newline (they end a `//` comment and count for
//   automatic semicolon insertion), anything else as the text `\uXXXX` (which,
//   outside a comment, no parser would have accepted in the first place).
import ts from "typescript";

const LINE_TERMINATORS = new Set([0x2028, 0x2029]);
const WHITE_SPACE = /^[\p{Zs}\ufeff]$/u;

const hex4 = (unit) => `\\u${unit.toString(16).padStart(4, "0")}`;
const units = (ch) => [...Array(ch.length).keys()].map((i) => hex4(ch.charCodeAt(i))).join("");

/** Where each literal, tagged template and identifier with a non-ASCII character lies, by kind. */
function regions(source, fileName) {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const found = [];
  const positions = [...source.matchAll(/[^\x00-\x7f]/g)].map((m) => m.index);
  /** Whether a non-ASCII character lies in the node (binary search over their positions). */
  const nonAscii = (node) => {
    const start = node.pos;
    let lo = 0;
    let hi = positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (positions[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    return lo < positions.length && positions[lo] < node.end;
  };
  const visit = (node) => {
    if (!nonAscii(node)) return;
    switch (node.kind) {
      case ts.SyntaxKind.TaggedTemplateExpression:
        found.push({ start: node.template.getStart(file), end: node.template.end, kind: "raw" });
        ts.forEachChild(node.tag, visit);
        return;
      case ts.SyntaxKind.StringLiteral:
      case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
      case ts.SyntaxKind.TemplateHead:
      case ts.SyntaxKind.TemplateMiddle:
      case ts.SyntaxKind.TemplateTail:
      case ts.SyntaxKind.RegularExpressionLiteral:
        found.push({ start: node.getStart(file), end: node.end, kind: "literal" });
        return;
      case ts.SyntaxKind.Identifier:
      case ts.SyntaxKind.PrivateIdentifier:
        found.push({ start: node.getStart(file), end: node.end, kind: "identifier" });
        return;
      default:
        ts.forEachChild(node, visit);
    }
  };
  visit(file);
  if (file.parseDiagnostics.length > 0) {
    const d = file.parseDiagnostics[0];
    throw new Error(`${fileName}: cannot parse at ${d.start}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * `source` with its non-ASCII characters escaped as above. `kept` is the
 * number left as they were (in tagged templates): when it is not 0, the
 * source is still two-byte.
 */
export function asciiSource(source, fileName = "bundle.js") {
  if (!/[^\x00-\x7f]/.test(source)) return { source, kept: 0 };
  const spans = regions(source, fileName);
  let span = 0;
  let kept = 0;
  let out = "";
  let from = 0;
  for (const match of source.matchAll(/[^\x00-\x7f]/gu)) {
    const at = match.index;
    const ch = match[0];
    while (span < spans.length && spans[span].end <= at) span++;
    const kind = span < spans.length && spans[span].start <= at ? spans[span].kind : "other";
    if (kind === "raw") {
      kept++;
      continue;
    }
    const code = ch.codePointAt(0);
    let backslashes = 0;
    while (source[at - 1 - backslashes] === "\\") backslashes++;
    const escaped = backslashes % 2 === 1;
    let cut = at;
    let text;
    if (kind === "literal") {
      if (escaped) cut = at - 1;
      // A line continuation stands for nothing: as an escape it would stand for the line terminator.
      text = escaped && LINE_TERMINATORS.has(code) ? "" : units(ch);
    } else if (kind === "identifier") {
      text = code > 0xffff ? `\\u{${code.toString(16)}}` : hex4(code);
    } else if (LINE_TERMINATORS.has(code)) {
      text = "\n";
    } else if (WHITE_SPACE.test(ch)) {
      text = " ";
    } else {
      text = units(ch);
    }
    out += source.slice(from, cut) + text;
    from = at + ch.length;
  }
  return { source: out + source.slice(from), kept };
}
