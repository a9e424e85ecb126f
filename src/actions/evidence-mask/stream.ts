import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { findMatches, type MaskMatch, type MaskRule } from "../../lib/masking";

/** Suffix of the temp file a rewrite goes through; a killed run can leave one, the next run removes it. */
export const TEMP_SUFFIX = ".evidence-mask.tmp";

export const DEFAULT_CHUNK_BYTES = 2 * 1024 * 1024;
// Bytes of already-written text kept as look-behind context (`\b`, `(?<![0-9])`).
const CONTEXT_CHARS = 64;
// The first bytes decide whether a file is binary, as git does: a NUL byte means binary.
const BINARY_SNIFF_BYTES = 8000;

export interface StreamOptions {
  /** Bytes read at a time; memory is about chunk + overlap whatever the file size. */
  chunkBytes?: number;
  /** Write the masked text back (atomically). False: only count (verify). */
  rewrite: boolean;
  /** Called with every value found (the text a match replaces), for core.setSecret. */
  onValue?: (value: string) => void;
  /** Test-only: pause after each written chunk so a test can kill the process mid-rewrite. */
  pauseMs?: number;
}

export interface FileScan {
  path: string;
  bytes: number;
  binary: boolean;
  /** Matches per rule. */
  counts: Record<string, number>;
  /** 1-based line of the first match per rule. */
  firstLine: Record<string, number>;
  rewritten: boolean;
}

/** How far the window must reach past the emit point so that no match is cut in two. */
export function overlapFor(rules: readonly MaskRule[]): number {
  const longest = rules.reduce((max, r) => Math.max(max, r.maxLength), 0);
  return Math.max(16 * 1024, 2 * longest);
}

/**
 * Streams one file through the rules. Text is decoded as latin1 so every byte
 * maps to one character and back: bytes that are not UTF-8 survive untouched,
 * and all built-in patterns are ASCII.
 *
 * Each window is [context | pending]; matches are looked for from the start of
 * pending. Only text up to `limit` (window end minus the overlap) is written,
 * extended to the end of any match that starts before it; the rest is carried
 * into the next window. As the overlap exceeds every rule's longest match, a
 * value split across two reads is seen whole.
 */
export async function maskFileStream(path: string, rules: readonly MaskRule[], opts: StreamOptions): Promise<FileScan> {
  const chunkBytes = Math.max(16, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const overlap = overlapFor(rules);
  const input = await open(path, "r");
  const result: FileScan = { path, bytes: 0, binary: false, counts: {}, firstLine: {}, rewritten: false };
  let output: Awaited<ReturnType<typeof open>> | undefined;
  let tempPath: string | undefined;
  try {
    const stat = await input.stat();
    result.bytes = stat.size;
    const buffer = Buffer.allocUnsafe(chunkBytes);
    let context = "";
    let pending = "";
    let eof = false;
    let sniffed = false;
    let line = 1;
    let total = 0;
    while (!eof || pending.length > 0) {
      while (!eof && pending.length < chunkBytes + overlap) {
        const { bytesRead } = await input.read(buffer, 0, chunkBytes, null);
        if (bytesRead === 0) {
          eof = true;
          break;
        }
        if (!sniffed) {
          sniffed = true;
          result.binary = buffer.subarray(0, Math.min(bytesRead, BINARY_SNIFF_BYTES)).includes(0);
          if (opts.rewrite && !result.binary) {
            tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}${TEMP_SUFFIX}`);
            output = await open(tempPath, "wx", 0o600);
          }
        }
        pending += buffer.toString("latin1", 0, bytesRead);
      }
      if (pending.length === 0) break;
      const text = context + pending;
      const base = context.length;
      const limit = eof ? text.length : text.length - overlap;
      const kept = keepBefore(findMatches(text, rules, base), limit);
      const cut = kept.cut;
      let pos = base;
      for (const m of kept.matches) {
        line += countNewlines(text, pos, m.start);
        pos = m.start;
        result.counts[m.rule] = (result.counts[m.rule] ?? 0) + 1;
        result.firstLine[m.rule] ??= line;
        opts.onValue?.(text.slice(m.start, m.end));
      }
      line += countNewlines(text, pos, cut);
      total += kept.matches.length;
      if (output) {
        const masked = applyWindow(text, kept.matches, base, cut);
        await output.write(Buffer.from(masked, "latin1"));
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
      context = text.slice(Math.max(0, cut - CONTEXT_CHARS), cut);
      pending = text.slice(cut);
    }
    if (output && tempPath) {
      if (total > 0) {
        await output.chmod(stat.mode & 0o7777);
        await output.sync();
        await output.close();
        output = undefined;
        await rename(tempPath, path);
        tempPath = undefined;
        await syncDir(dirname(path));
        result.rewritten = true;
      }
    }
    return result;
  } finally {
    await input.close();
    if (output) await output.close().catch(() => undefined);
    if (tempPath) await unlink(tempPath).catch(() => undefined);
  }
}

/**
 * The matches that start before `limit`, and the point up to which text can be
 * written: `limit`, pushed to the end of any kept match that reaches past it.
 */
function keepBefore(matches: MaskMatch[], limit: number): { matches: MaskMatch[]; cut: number } {
  const byFrom = [...matches].sort((a, b) => a.from - b.from);
  let cut = limit;
  const kept = new Set<MaskMatch>();
  for (const m of byFrom) {
    if (m.from >= cut) break;
    kept.add(m);
    cut = Math.max(cut, m.to);
  }
  return { matches: matches.filter((m) => kept.has(m)), cut };
}

function applyWindow(text: string, matches: readonly MaskMatch[], from: number, to: number): string {
  const parts: string[] = [];
  let pos = from;
  for (const m of matches) {
    parts.push(text.slice(pos, m.start), m.replacement);
    pos = m.end;
  }
  parts.push(text.slice(pos, to));
  return parts.join("");
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", from); i !== -1 && i < to; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not every filesystem lets a directory be fsynced; the rename itself is still atomic.
  }
}
