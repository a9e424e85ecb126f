import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { compile, countNewlines, type Masker, type MaskRule } from "./engine";

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
  /** The read in flight, if any: waited for before the file is closed (a failure meanwhile leaves one). */
  let reading: Promise<{ bytesRead: number }> | undefined;
  let tempPath: string | undefined;
  try {
    const stat = await input.stat();
    result.bytes = stat.size;
    const sessionOpts = {
      ...(opts.chunkBytes !== undefined ? { chunkBytes: opts.chunkBytes } : { sizeHint: stat.size }),
      ...(opts.onValue ? { onValue: opts.onValue } : {}),
      // Lines are counted afterwards from the file, and only if something was found (see linesAt).
      lines: false,
      // The verification scans what is written, as it is written: the same bytes the rename publishes.
      ...(opts.rewrite && opts.verify ? { verify: true } : {}),
    };
    // Each piece is written at its own offset: the session hands over the next one before this one is written.
    let offset = 0;
    const sink = async (masked: Uint8Array) => {
      if (!output) return;
      const at = offset;
      offset += masked.length;
      // A write may write less than asked (the file-size limit, a full disk): the rest is written again, and its
      // error fails the file (the temp is removed). Ignored, a short last piece was renamed over the original truncated.
      for (let done = 0; done < masked.length; ) {
        const { bytesWritten } = await output.write(masked, done, masked.length - done, at + done);
        if (bytesWritten <= 0)
          throw new Error(`could not write ${path}'s masked bytes (0 of ${masked.length - done} written)`);
        done += bytesWritten;
      }
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    };
    const session = masker.session(opts.rewrite ? sink : undefined, sessionOpts);
    // Read ahead: the next piece is read (a copy from the page cache, in the thread pool) while this one is
    // masked, into the other of two buffers; the window then copies it in.
    const buffers = [Buffer.allocUnsafe(session.chunkBytes), Buffer.allocUnsafe(session.chunkBytes)] as const;
    let which = 0;
    const readInto = (b: Buffer) => input.read(b, 0, b.length, null);
    reading = readInto(buffers[0]);
    let sniffed = false;
    for (;;) {
      const { bytesRead } = await reading;
      reading = undefined;
      if (bytesRead === 0) break;
      const got = buffers[which] as Buffer;
      which = 1 - which;
      reading = readInto(buffers[which] as Buffer);
      if (!sniffed) {
        sniffed = true;
        result.binary = got.subarray(0, Math.min(bytesRead, BINARY_SNIFF_BYTES)).includes(0);
        if (result.binary) session.stopVerifying();
        if (opts.rewrite && !result.binary) {
          tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}${TEMP_SUFFIX}`);
          output = await open(tempPath, "wx+", 0o600);
        }
      }
      await session.push(got.subarray(0, bytesRead));
    }
    const scan = await session.end();
    result.counts = scan.counts;
    result.firstLine = await linesAt(input, scan.firstOffset);
    const total = Object.values(scan.counts).reduce((a, b) => a + b, 0);
    if (scan.verified && output) {
      const again = scan.verified;
      result.verified = { counts: again.counts, firstLine: await linesAt(output, again.firstOffset) };
    }
    if (output && tempPath) {
      if (total > 0) {
        // Not fsynced: the rename is what makes the replacement atomic for every reader and for a killed step.
        // Only a crash of the machine itself could lose unsynced data, and that ends the job (nothing is
        // uploaded); waiting for the disk cost 2.3 s per GiB here, more than the masking (see the README).
        await output.chmod(stat.mode & 0o7777);
        await output.close();
        output = undefined;
        await rename(tempPath, path);
        tempPath = undefined;
        result.rewritten = true;
      }
    }
    return result;
  } finally {
    if (reading) await reading.catch(() => undefined);
    await input.close();
    if (output) await output.close().catch(() => undefined);
    if (tempPath) await unlink(tempPath).catch(() => undefined);
  }
}

/**
 * 1-based line of each byte offset in a file, read back from the start as far
 * as the last offset (the sessions count no lines: that made the scan about
 * 10 % slower, and the lines are only wanted where something was found).
 */
async function linesAt(file: FileHandle, offsets: Record<string, number>): Promise<Record<string, number>> {
  const wanted = Object.entries(offsets).sort((a, b) => a[1] - b[1]);
  const lines: Record<string, number> = {};
  if (wanted.length === 0) return lines;
  const buf = Buffer.allocUnsafe(1 << 16);
  let pos = 0;
  let line = 1;
  let w = 0;
  for (;;) {
    const { bytesRead } = await file.read(buf, 0, buf.length, pos);
    for (; w < wanted.length && (wanted[w]?.[1] as number) < pos + bytesRead; w++) {
      const [rule, at] = wanted[w] as [string, number];
      lines[rule] = line + countNewlines(buf, 0, at - pos);
    }
    if (w === wanted.length || bytesRead === 0) break;
    line += countNewlines(buf, 0, bytesRead);
    pos += bytesRead;
  }
  return lines;
}
