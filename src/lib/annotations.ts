/**
 * Line numbers of values in a JSON file, so an `::error file=…,line=…::`
 * annotation can point at the exact `valueFrom` a reviewer has to fix in the
 * pull request's diff. JSON.parse keeps no positions, hence this small scanner.
 */
import { relative, resolve, sep } from "node:path";
import { pathRoots } from "./paths";
import type { Log } from "./run-action";

/** A path into a JSON document: `["containerDefinitions", 0, "secrets", 2, "valueFrom"]`. */
export type JsonPath = readonly (string | number)[];

export function jsonPathKey(path: JsonPath): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
}

/**
 * Maps every value's path (as `jsonPathKey`) to the 1-based line where the
 * value starts. Returns an empty map for text that is not valid JSON.
 */
export function jsonValueLines(text: string): Map<string, number> {
  return new Map([...jsonValuePositions(text)].map(([key, p]) => [key, p.line]));
}

export interface TextPosition {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units. */
  column: number;
}

/** Like `jsonValueLines`, with the column: tells apart values on one line (minified policies). */
export function jsonValuePositions(text: string): Map<string, TextPosition> {
  const positions = new Map<string, TextPosition>();
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const ws = () => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === "\n") {
        line++;
        lineStart = i + 1;
      } else if (c !== " " && c !== "\t" && c !== "\r") break;
    }
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    for (; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  // `{…}` or `[…]`: items separated by commas up to the closing character.
  const sequence = (close: string, item: (n: number) => void) => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (let n = 0; ; n++) {
      item(n);
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] !== close) throw new Error(`',' or '${close}' expected`);
      i++;
      return;
    }
  };
  const value = (path: (string | number)[]): void => {
    ws();
    positions.set(jsonPathKey(path), { line, column: i - lineStart + 1 });
    const c = text[i];
    if (c === "{") {
      sequence("}", () => {
        ws();
        if (text[i] !== '"') throw new Error("key expected");
        const key = str();
        ws();
        if (text[i] !== ":") throw new Error("colon expected");
        i++;
        value([...path, key]);
      });
      return;
    }
    if (c === "[") {
      sequence("]", (n) => value([...path, n]));
      return;
    }
    if (c === '"') {
      str();
      return;
    }
    const m = /^(-?[0-9][0-9.eE+-]*|true|false|null)/.exec(text.slice(i, i + 64));
    if (!m) throw new Error("value expected");
    i += m[0].length;
  };
  try {
    value([]);
  } catch {
    return new Map();
  }
  return positions;
}

/** A path inside GITHUB_WORKSPACE as annotations need it (relative, forward slashes), or undefined when outside. */
export function workspaceRelative(
  file: string,
  workspace = process.env.GITHUB_WORKSPACE ?? process.cwd(),
): string | undefined {
  // Input paths arrive with their symlinks resolved (lib/paths.ts): compare with the real workspace too.
  for (const root of new Set([resolve(workspace), pathRoots({ GITHUB_WORKSPACE: workspace }).workspace])) {
    const rel = relative(root, resolve(root, file));
    if (rel !== "" && !rel.startsWith("..") && resolve(rel) !== rel) return rel.split(sep).join("/");
  }
  return undefined;
}

type AnnotationPlace = { file: string; line?: number | undefined; title?: string };
export type Annotator = (message: string, at?: AnnotationPlace) => void;

/** Annotations of one level at a place in a file, written by `write` (the seam's `log.annotation`). */
export function annotatorFor(write: Log["annotation"], level: "error" | "warning"): Annotator {
  return (message, at) => {
    if (!at) {
      write(level, message);
      return;
    }
    write(level, message, {
      file: at.file,
      ...(at.line !== undefined ? { startLine: at.line } : {}),
      ...(at.title ? { title: at.title } : {}),
    });
  };
}
