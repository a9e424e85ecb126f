/**
 * The masking engine: `compile(rules)` once, then `mask(readable, writable)`
 * or `scan(readable)` any number of streams.
 *
 * Text is handled as latin1 bytes in fixed-size Buffers: every byte maps to
 * one character and back, so bytes that are not UTF-8 survive untouched, and
 * all built-in patterns are ASCII. Memory is one window (context and
 * look-back + chunk + overlap) and two output buffers (one written while the
 * next window is masked into the other), whatever the stream's size; with
 * `verify`, the verifying session's window too.
 *
 * Each window is [context | pending]; matches are looked for from the start of
 * pending (and from one longest match before it, for matches that reach into
 * it). Only text up to `limit` (window end minus the overlap) is written,
 * extended to the end of any match that starts before it; the rest is carried
 * into the next window. As the overlap exceeds every rule's longest match, a
 * value split across two reads is seen whole.
 *
 * In each window one pass of a multi-literal matcher (./matcher.ts) finds the
 * literals of every rule that has a prefilter; those rules try their regexes
 * only where their literals are, on strings around them (./rules.ts). Rules
 * without one (custom rules) search the window as a string.
 */
import type { Readable, Writable } from "node:stream";
import { mergeMatches } from "../../../lib/masking";
import { DerivedHits } from "./derived";
import { compileLiterals, countNewlines, type Hits, type Matcher, newHits, newScanState } from "./matcher";
import type { MaskMatch, MaskRule, WindowView } from "./rules";

// With rules that all have a prefilter, no string of the window is ever made (the regexes run on short
// strings around their candidates, ./rules.ts): windows can be large, which means fewer reads and writes
// (1 MiB against 64 KiB: 5.3 against 6.7 CPU s per GiB here) for a fixed 2 MiB or so of buffers.
export const LARGE_CHUNK_BYTES = 1024 * 1024;
// A rule without one (a custom rule) searches the whole window as a string: a window (context + chunk +
// overlap, about 97 KiB) then stays under V8's largest ordinary heap object (128 KiB), so that its string is
// made in the young generation and dies there, cheaply.
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
// The smallest window a size hint gives: a file that grows while it is read is still read in sizeable pieces.
const MIN_HINTED_CHUNK = 16 * 1024;
// Bytes of already-written text kept as look-behind context (`\b`, `(?<![0-9])`).
const CONTEXT_BYTES = 64;

export interface ScanResult {
  bytes: number;
  /** Matches per rule. */
  counts: Record<string, number>;
  /** 1-based line of the first match per rule (not counted by a verification: see `firstOffset`). */
  firstLine: Record<string, number>;
  /** Byte offset in the stream of the first match's value, per rule. */
  firstOffset: Record<string, number>;
  /** With `verify`: what the rules find in the masked output, as a scan of it would. */
  verified?: ScanResult;
}

export interface StreamOptions {
  /** Bytes read at a time; memory is about chunk + overlap whatever the size. */
  chunkBytes?: number;
  /** Called with every value found (the latin1 text a match replaces). */
  onValue?: (value: string) => void;
  /**
   * A masking session also scans what it writes with every rule (the
   * verification of mask-and-verify), without searching the copied text for
   * literals a second time (./derived.ts). Its lines are not counted: the
   * result has `firstOffset` in the output.
   */
  verify?: boolean;
  /**
   * Count lines (default true). Without, `firstLine` is left empty and
   * `firstOffset` says where each rule's first match is (the scan is about
   * 10 % faster; stream.ts counts the lines of a file afterwards, when needed).
   */
  lines?: boolean;
  /**
   * The stream's size, when known (a file's): a smaller stream gets windows of its size instead of the
   * default chunk (a one-line file does not need a 1 MiB window, two output buffers and a verifier's window).
   */
  sizeHint?: number;
}

export interface Masker {
  readonly rules: readonly MaskRule[];
  /** How far a window must reach past the emit point so that no match is cut in two. */
  readonly overlap: number;
  /** What `findMatches(text, rules, from)` returns for the window's text. */
  matchesIn(view: WindowView, from: number): MaskMatch[];
  /** A window-by-window session: feed it bytes, it writes masked bytes to `sink` (if any). */
  session(sink: ((masked: Uint8Array) => Promise<void>) | undefined, opts?: StreamOptions): MaskSession;
  /** Masks a stream into `writable`; resolves when everything is written (not ended). */
  mask(readable: Readable | AsyncIterable<Uint8Array>, writable: Writable, opts?: StreamOptions): Promise<ScanResult>;
  /** Counts what the rules find in a stream, writing nothing. */
  scan(readable: Readable | AsyncIterable<Uint8Array>, opts?: StreamOptions): Promise<ScanResult>;
}

/** How far the window must reach past the emit point so that no match is cut in two. */
export function overlapFor(rules: readonly MaskRule[]): number {
  const longest = rules.reduce((max, r) => Math.max(max, r.maxLength), 0);
  return Math.max(16 * 1024, 2 * longest);
}

const latin1 = (s: string) => Buffer.from(s, "latin1");

export function compile(rules: readonly MaskRule[]): Masker {
  const overlap = overlapFor(rules);
  // One matcher for every prefilter literal; `owner[i]` is the rule of literal i, `local[i]` its index there.
  const literals: { bytes: Uint8Array; ignoreCase: boolean }[] = [];
  const owner: number[] = [];
  const local: number[] = [];
  rules.forEach((rule, r) => {
    rule.prefilter?.literals.forEach((lit, k) => {
      literals.push({ bytes: latin1(lit), ignoreCase: rule.prefilter?.ignoreCase ?? false });
      owner.push(r);
      local.push(k);
    });
  });
  const matcher: Matcher = compileLiterals(literals);
  let hits: Hits = newHits();
  const starts: number[][] = rules.map(() => []);
  const which: number[][] = rules.map(() => []);

  const matchesIn = (view: WindowView, from: number): MaskMatch[] => {
    hits = matcher.scan(view.bytes, from, view.length, hits);
    return matchesFromHits(view, from, hits);
  };

  const matchesFromHits = (view: WindowView, from: number, h: Hits): MaskMatch[] => {
    for (const s of starts) s.length = 0;
    for (const w of which) w.length = 0;
    for (let k = 0; k < h.count; k++) {
      // A streaming session's hits may still hold occurrences in text already written.
      if ((h.start[k] as number) < from) continue;
      const lit = h.literal[k] as number;
      const r = owner[lit] as number;
      starts[r]?.push(h.start[k] as number);
      which[r]?.push(local[lit] as number);
    }
    const all: MaskMatch[] = [];
    rules.forEach((rule, r) => {
      const found = rule.prefilter
        ? rule.prefilter.find(view, from, starts[r] as number[], which[r] as number[])
        : rule.find(view.text(), from);
      for (const m of found) all.push(m);
    });
    return mergeMatches(all);
  };

  const masker: Masker = {
    rules,
    overlap,
    matchesIn,
    session: (sink, opts = {}) => new MaskSession(masker, matcher, matchesFromHits, sink, opts),
    async mask(readable, writable, opts) {
      const write = (b: Uint8Array) =>
        new Promise<void>((resolve, reject) => {
          // A copy: the session reuses its output buffer as soon as this resolves.
          writable.write(Buffer.from(b), (error) => (error ? reject(error) : resolve()));
        });
      return feed(masker.session(write, opts), readable);
    },
    scan: (readable, opts) => feed(masker.session(undefined, opts), readable),
  };
  return masker;
}

async function feed(session: MaskSession, readable: Readable | AsyncIterable<Uint8Array>): Promise<ScanResult> {
  for await (const chunk of readable as AsyncIterable<Uint8Array | string>) {
    await session.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
  }
  return session.end();
}

type FromHits = (view: WindowView, from: number, hits: Hits) => MaskMatch[];

/** One stream through the engine. Read into `window` at `length` (see `space`), then `commit`. */
export class MaskSession {
  readonly chunkBytes: number;
  readonly window: Buffer;
  /** Bytes in use in `window`. */
  length = 0;
  /** Start of pending text in `window` (what is before is context already written). */
  private base = 0;
  /** Two output buffers: one is being written while the next window is masked into the other. */
  private readonly outs: Buffer[];
  private readonly writing: (Promise<void> | undefined)[] = [undefined, undefined];
  private current = 0;
  private out: Buffer;
  private outLength = 0;
  private readonly queued: Buffer[] = [];
  /** Occurrences of the literals in `window` from `base` on, found as the bytes arrived. */
  private readonly hits: Hits = newHits();
  /** The matcher's place in the stream: `window[0, scanned)` has been scanned. */
  private readonly at = newScanState();
  private scanned = 0;
  private readonly result: ScanResult = { bytes: 0, counts: {}, firstLine: {}, firstOffset: {} };
  private readonly replacements = new Map<string, Buffer>();
  /** Stream offset of `window[0]`. */
  private origin = 0;
  /** Bytes of output produced so far. */
  private produced = 0;
  /** With `verify`: the session that scans the output, fed the occurrences derived from this one's. */
  private verifier: MaskSession | undefined;
  /**
   * How far before a window's start a match may start and still reach into it: the longest match. A chain of
   * overlapping matches can push a window's cut to its very end, past the start of an occurrence that the
   * window did not hold whole; the next window looks that far back for such matches and masks what of them
   * lies after its start (an attack found a periodic secret repeated back to back left partly in clear).
   */
  private readonly reachBack: number;
  /** Whether lines are counted (not by a verifying session, nor when `lines` is false). */
  private readonly countsLines: boolean;

  constructor(
    private readonly masker: Masker,
    private readonly matcher: Matcher,
    private readonly fromHits: FromHits,
    private readonly sink: ((masked: Uint8Array) => Promise<void>) | undefined,
    private readonly opts: StreamOptions,
    /** This session verifies another's output: its occurrences come from there. */
    private readonly derived?: DerivedHits,
  ) {
    const chunk = masker.rules.every((r) => r.prefilter) ? LARGE_CHUNK_BYTES : DEFAULT_CHUNK_BYTES;
    const fits = opts.sizeHint === undefined ? chunk : Math.min(chunk, Math.max(MIN_HINTED_CHUNK, opts.sizeHint));
    this.chunkBytes = Math.max(16, opts.chunkBytes ?? fits);
    this.reachBack = masker.rules.reduce((max, r) => Math.max(max, r.maxLength), 0);
    this.window = Buffer.allocUnsafe(CONTEXT_BYTES + this.reachBack + this.chunkBytes + masker.overlap);
    this.outs = sink ? [Buffer.allocUnsafe(this.window.length), Buffer.allocUnsafe(this.window.length)] : [];
    this.out = this.outs[0] ?? Buffer.alloc(0);
    this.countsLines = !derived && opts.lines !== false;
    if (sink && opts.verify) {
      const { verify: _, ...scanOpts } = opts;
      this.verifier = new MaskSession(masker, matcher, fromHits, undefined, scanOpts, new DerivedHits(matcher));
    }
  }

  /** Stops verifying (the output will not be kept, e.g. a binary file): `end()` then has no `verified`. */
  stopVerifying(): void {
    this.verifier = undefined;
  }

  /** Pending bytes (not yet written). */
  get pending(): number {
    return this.length - this.base;
  }

  /** True when a window is full enough to be masked. */
  get full(): boolean {
    return this.pending >= this.chunkBytes + this.masker.overlap;
  }

  /** Bytes that can be read into `window` at `length` now. */
  get space(): number {
    return Math.min(this.chunkBytes, this.window.length - this.length);
  }

  commit(n: number): void {
    this.length += n;
    this.result.bytes += n;
  }

  /** Copies bytes in, masking each window as it fills. */
  async push(chunk: Uint8Array): Promise<void> {
    for (let off = 0; off < chunk.length; ) {
      off = this.take(chunk, off);
      if (this.full) await this.process(false);
    }
  }

  /** Copies as much of `chunk` from `off` as the window holds; returns where the rest starts. */
  private take(chunk: Uint8Array, off: number): number {
    const n = Math.min(this.window.length - this.length, chunk.length - off);
    this.window.set(chunk.subarray(off, off + n), this.length);
    this.commit(n);
    return off + n;
  }

  async end(): Promise<ScanResult> {
    while (this.pending > 0) await this.process(true);
    await this.flush();
    await Promise.all(this.writing);
    if (this.verifier) this.result.verified = this.verifier.endSync();
    return this.result;
  }

  /** Masks the window up to its limit (all of it at the end of the stream) and keeps the rest. */
  async process(eof: boolean): Promise<void> {
    if (this.pending === 0) return;
    // Everything up to the writes is synchronous: the window's matches are garbage before the first await.
    this.maskWindow(eof);
    await this.flush();
  }

  /** Counts and masks the window up to its limit into the output buffer(s), then keeps the rest. */
  private maskWindow(eof: boolean): void {
    const { window, base, length } = this;
    const limit = eof ? length : length - this.masker.overlap;
    const kept = keepBefore(this.matches(), limit);
    const cut = kept.cut;
    const result = this.result;
    const verifier = this.verifier;
    // With a verifier: where each copied piece starts in the input and in the output.
    const pieceIn = verifier ? [base] : undefined;
    const pieceOut = verifier ? [this.produced] : undefined;
    let pos = base;
    for (const m of kept.matches) {
      result.counts[m.rule] = (result.counts[m.rule] ?? 0) + 1;
      if (result.firstOffset[m.rule] === undefined) {
        result.firstOffset[m.rule] = this.origin + m.start;
        if (this.countsLines) result.firstLine[m.rule] = this.lineAt(m.start);
      }
      this.opts.onValue?.(window.toString("latin1", m.start, m.end));
      if (this.sink) {
        this.emit(window, pos, m.start);
        this.produced += m.start - pos;
        const bytes = this.emitReplacement(m.replacement);
        verifier?.derived?.changed(this.produced, this.produced + bytes);
        this.produced += bytes;
        pieceIn?.push(m.end);
        pieceOut?.push(this.produced);
      }
      pos = m.end;
    }
    if (this.sink) {
      this.emit(window, pos, cut);
      this.produced += cut - pos;
      // The cut is a boundary too: the next window's output is copied from bytes after it.
      verifier?.derived?.changed(this.produced, this.produced);
    }
    if (verifier?.derived && pieceIn && pieceOut)
      this.deriveCopied(verifier.derived, kept.matches, pieceIn, pieceOut, cut);
    // The next window: context before the cut, then everything not yet written.
    const keepFrom = Math.max(0, cut - CONTEXT_BYTES - this.reachBack);
    window.copyWithin(0, keepFrom, length);
    this.origin += keepFrom;
    this.length = length - keepFrom;
    this.base = cut - keepFrom;
    this.scanned -= keepFrom;
    this.keepHits(Math.max(keepFrom, cut - this.reachBack), keepFrom);
  }

  /**
   * Hands the verifier the occurrences that lie wholly inside a copied piece
   * of this window's output (piece k: input [pieceIn[k], end of piece), output from pieceOut[k]), in output offsets.
   */
  private deriveCopied(
    derived: DerivedHits,
    matches: readonly MaskMatch[],
    pieceIn: readonly number[],
    pieceOut: readonly number[],
    cut: number,
  ): void {
    const h = this.hits;
    let k = 0;
    const pieceEnd = (i: number) => (i < matches.length ? (matches[i] as MaskMatch).start : cut);
    for (let n = 0; n < h.count; n++) {
      const s = h.start[n] as number;
      const e = h.end[n] as number;
      if (s < this.base || e > cut) continue;
      // Hits come in order of end: the piece that could hold this one only moves forward.
      while (k < pieceIn.length && pieceEnd(k) < e) k++;
      if (k === pieceIn.length || s < (pieceIn[k] as number)) continue;
      const at = (pieceOut[k] as number) + (s - (pieceIn[k] as number));
      derived.copied(h.literal[n] as number, at, at + (e - s));
    }
  }

  /** Keeps the occurrences that start at or after `cut` (already scanned: the next window needs them), moved by `shift`. */
  private keepHits(cut: number, shift: number): void {
    const h = this.hits;
    let n = 0;
    for (let k = 0; k < h.count; k++) {
      if ((h.start[k] as number) < cut) continue;
      h.literal[n] = h.literal[k] as number;
      h.start[n] = (h.start[k] as number) - shift;
      h.end[n] = (h.end[k] as number) - shift;
      h.newlines[n] = h.newlines[k] as number;
      n++;
    }
    h.count = n;
  }

  /**
   * The window's matches. Synchronous, so that the window's string (built
   * only if a regex needs it) is garbage before the first write is awaited:
   * it then dies young instead of reaching the old generation.
   */
  private matches(): MaskMatch[] {
    const { window, base, length } = this;
    let text: string | undefined;
    const view: WindowView = { bytes: window, length, text: () => (text ??= window.toString("latin1", 0, length)) };
    // Matches are looked for from reachBack before the window's start: only those reaching past it are new.
    const from = Math.max(0, base - this.reachBack);
    // Only the bytes that arrived since the last window are scanned: the carried ones were, and their hits are kept.
    if (this.derived) this.derived.collect(window, this.origin, this.scanned, length, from, this.hits);
    else this.matcher.resume(window, this.scanned, length, this.at, this.hits, from, this.countsLines);
    this.scanned = length;
    const found = this.fromHits(view, from, this.hits);
    if (from === base) return found;
    // A match wholly before the start was masked (or not) by the window before; one that reaches past it was
    // not whole there: what of it lies after the start is masked now.
    const out: MaskMatch[] = [];
    for (const m of found) {
      if (m.end <= base) continue;
      out.push(m.start < base ? { ...m, start: base } : m);
    }
    return out;
  }

  /** 1-based line of `window[pos]`: the newlines the matcher counted, less those from `pos` to where it is. */
  private lineAt(pos: number): number {
    return 1 + this.at.newlines - countNewlines(this.window, pos, this.scanned);
  }

  private emit(src: Buffer, from: number, to: number): void {
    while (from < to) {
      const n = Math.min(to - from, this.out.length - this.outLength);
      src.copy(this.out, this.outLength, from, from + n);
      this.outLength += n;
      from += n;
      // Replacements longer than their values can overfill a window's output: the excess waits in copies.
      if (this.outLength === this.out.length) {
        this.queued.push(Buffer.from(this.out));
        this.outLength = 0;
      }
    }
  }

  /** Writes a replacement; returns its length in bytes. */
  private emitReplacement(replacement: string): number {
    let bytes = this.replacements.get(replacement);
    if (!bytes) {
      bytes = latin1(replacement);
      if (this.replacements.size < 64) this.replacements.set(replacement, bytes);
    }
    this.emit(bytes, 0, bytes.length);
    return bytes.length;
  }

  /**
   * Hands the window's output to the sink without waiting for it to be
   * written: the next window is masked into the other buffer meanwhile, and
   * this one is reused only once its write has finished. The sink is called
   * in order, so it can place each piece after the one before.
   */
  private async flush(): Promise<void> {
    if (!this.sink) return;
    // Overflow copies (rare) come first; each is its own buffer.
    for (let b = this.queued.shift(); b; b = this.queued.shift()) {
      this.verifier?.pushSync(b);
      await this.sink(b);
    }
    if (this.outLength === 0) return;
    const n = this.outLength;
    this.outLength = 0;
    const piece = this.out.subarray(0, n);
    this.verifier?.pushSync(piece);
    const written = this.sink(piece);
    // Awaited later (before the buffer is reused, or at the end); a failure is not "unhandled" meanwhile.
    written.catch(() => undefined);
    this.writing[this.current] = written;
    this.current = 1 - this.current;
    this.out = this.outs[this.current] as Buffer;
    const reuse = this.writing[this.current];
    this.writing[this.current] = undefined;
    if (reuse) await reuse;
  }

  /** `push` for a session without a sink (a scan): the same work, with nothing to wait for. */
  pushSync(chunk: Uint8Array): void {
    if (this.sink) throw new Error("pushSync: this session writes; use push");
    for (let off = 0; off < chunk.length; ) {
      off = this.take(chunk, off);
      if (this.full) this.maskWindow(false);
    }
  }

  /** `end` for a session without a sink. */
  endSync(): ScanResult {
    if (this.sink) throw new Error("endSync: this session writes; use end");
    while (this.pending > 0) this.maskWindow(true);
    return this.result;
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
