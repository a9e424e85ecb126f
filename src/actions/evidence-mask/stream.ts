import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { compile, type Masker, type MaskRule } from "./engine";

/** Suffix of the temp file a rewrite goes through; a killed run can leave one, the next run removes it. */
export const TEMP_SUFFIX = ".evidence-mask.tmp";

// The first bytes decide whether a file is binary, as git does: a NUL byte means binary.
const BINARY_SNIFF_BYTES = 8000;

export interface StreamOptions {
  /** Bytes read at a time; memory is about chunk + overlap whatever the file size. */
  chunkBytes?: number;
  /** Write the masked text back (atomically). False: only count (verify). */
  rewrite: boolean;
  /**
   * With `rewrite`: also scan the masked bytes as they are written (the
   * verification of `mask-and-verify`), in the same pass instead of reading
   * the rewritten file back. The result is in `FileScan.verified`.
   */
  verify?: boolean;
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
  /** With `verify`: what the rules still find in the masked bytes (those written, when `rewritten`). */
  verified?: { counts: Record<string, number>; firstLine: Record<string, number> };
}

/**
 * Streams one file through the engine (see engine/masker.ts), reading
 * straight into the engine's window. A rewrite goes to a temp file next to
 * the original that replaces it atomically, and only if something was masked.
 */
export async function maskFileStream(
  path: string,
  rules: readonly MaskRule[] | Masker,
  opts: StreamOptions,
): Promise<FileScan> {
  const masker = "session" in rules ? rules : compile(rules);
  const input = await open(path, "r");
  const result: FileScan = { path, bytes: 0, binary: false, counts: {}, firstLine: {}, rewritten: false };
  let output: Awaited<ReturnType<typeof open>> | undefined;
  let tempPath: string | undefined;
  try {
    const stat = await input.stat();
    result.bytes = stat.size;
    const sessionOpts = {
      ...(opts.chunkBytes !== undefined ? { chunkBytes: opts.chunkBytes } : {}),
      ...(opts.onValue ? { onValue: opts.onValue } : {}),
    };
    // The verification reads what is written, as it is written: the same bytes the rename publishes.
    const verifier = opts.rewrite && opts.verify ? masker.session(undefined, sessionOpts) : undefined;
    const sink = async (masked: Uint8Array) => {
      if (!output) return;
      if (verifier) await verifier.push(masked);
      await output.write(masked);
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    };
    const session = masker.session(opts.rewrite ? sink : undefined, sessionOpts);
    let sniffed = false;
    for (;;) {
      const { bytesRead } = await input.read(session.window, session.length, session.space, null);
      if (bytesRead === 0) break;
      if (!sniffed) {
        sniffed = true;
        const first = session.window.subarray(session.length, session.length + Math.min(bytesRead, BINARY_SNIFF_BYTES));
        result.binary = first.includes(0);
        if (opts.rewrite && !result.binary) {
          tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}${TEMP_SUFFIX}`);
          output = await open(tempPath, "wx", 0o600);
        }
      }
      session.commit(bytesRead);
      if (session.full) await session.process(false);
    }
    const scan = await session.end();
    result.counts = scan.counts;
    result.firstLine = scan.firstLine;
    const total = Object.values(scan.counts).reduce((a, b) => a + b, 0);
    if (verifier) {
      const again = await verifier.end();
      result.verified = { counts: again.counts, firstLine: again.firstLine };
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
