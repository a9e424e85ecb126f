/**
 * The literal occurrences of the masked output, derived from those of the
 * input instead of searched for again (the verification of mask-and-verify).
 *
 * The output is the input's text copied piece by piece, with a replacement
 * between pieces. An occurrence of a literal in the output either lies
 * wholly inside one copied piece, and is then the same bytes as an
 * occurrence the input's scan found there, or it overlaps a replacement or
 * crosses a boundary between pieces. Boundaries are the replacements and the
 * masker's window cuts (recorded as empty changes). As no occurrence is longer than the
 * longest literal L, every occurrence of the second kind lies within L - 1
 * bytes of a change, and a scan of the output bytes there, from the
 * automaton's start state, finds it. So the occurrences handed to the
 * verifying session are exactly those a scan of all the output would find
 * (test/actions/evidence-mask/engine.test.ts compares them, and the
 * verification's results, with a fresh scan of the output), while only the
 * bytes near a change are scanned twice. The rules' regexes are then tried at
 * every occurrence, on the output's own bytes, as in any scan.
 */
import { type Hits, type Matcher, newHits, pushHit } from "./matcher";

/**
 * A queue of numbers in a typed array that is compacted in place and grows by doubling: the queues live
 * across windows, and arrays reallocated as they grow would be promoted to the old generation and pile up
 * there as garbage (the step's heap grew by about 15 MB per 256 MiB with plain arrays).
 */
class Queue {
  private data = new Float64Array(1024);
  head = 0;
  length = 0;

  at(i: number): number {
    return this.data[i] as number;
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      if (this.head > 0) {
        this.data.copyWithin(0, this.head, this.length);
        this.length -= this.head;
        this.head = 0;
      }
      if (this.length === this.data.length) {
        const bigger = new Float64Array(this.data.length * 2);
        bigger.set(this.data);
        this.data = bigger;
      }
    }
    this.data[this.length++] = v;
  }
}

export class DerivedHits {
  // Occurrences inside copied pieces, in output offsets, in order of end (three queues moving together).
  private readonly literal = new Queue();
  private readonly start = new Queue();
  private readonly end = new Queue();
  // Changed output ranges [from, to): replacements, and empty ranges at window cuts; in order.
  private readonly from = new Queue();
  private readonly to = new Queue();
  /** How far before or after a change an occurrence crossing it can reach: the longest literal less one. */
  private readonly reach: number;
  private readonly found: Hits = newHits(64);

  constructor(private readonly matcher: Matcher) {
    this.reach = Math.max(0, matcher.maxLength - 1);
  }

  /** An occurrence of `literal` at output offsets [start, end), inside a copied piece. */
  copied(literal: number, start: number, end: number): void {
    this.literal.push(literal);
    this.start.push(start);
    this.end.push(end);
  }

  /** Output offsets [from, to) are not a copy of the input (to === from: a boundary between pieces). */
  changed(from: number, to: number): void {
    this.from.push(from);
    this.to.push(to);
  }

  /**
   * Appends to `hits` every occurrence in the output that ends in
   * (origin + a, origin + b] and starts at or after origin + minStart, in
   * offsets of `buf` (which holds the output from offset `origin` on, up to `b`).
   */
  collect(buf: Uint8Array, origin: number, a: number, b: number, minStart: number, hits: Hits): void {
    const lo = origin + a;
    const hi = origin + b;
    const min = origin + minStart;
    // Occurrences inside copied pieces, as the input's scan found them.
    const { literal, start, end, from, to } = this;
    while (end.head < end.length && end.at(end.head) <= hi) {
      const k = end.head;
      const s = start.at(k);
      if (s >= min) pushHit(hits, literal.at(k), s - origin, end.at(k) - origin, 0);
      literal.head++;
      start.head++;
      end.head++;
    }
    // Occurrences that overlap or cross a change: scan the output around each run of nearby changes.
    const reach = this.reach;
    for (let i = from.head; i < from.length; ) {
      const runStart = from.at(i) - reach;
      if (runStart >= hi) break;
      let runEnd = to.at(i) + reach;
      let j = i + 1;
      while (j < from.length && from.at(j) - reach < runEnd) {
        runEnd = Math.max(runEnd, to.at(j) + reach);
        j++;
      }
      if (runEnd > lo) {
        const f = this.matcher.scan(
          buf,
          Math.max(runStart, origin) - origin,
          Math.min(runEnd, hi) - origin,
          this.found,
        );
        let q = i;
        for (let k = 0; k < f.count; k++) {
          const s = origin + (f.start[k] as number);
          const e = origin + (f.end[k] as number);
          if (e <= lo || s < min) continue;
          // Ends are in order and no occurrence is longer than reach + 1: changes ending before s - reach are behind.
          while (q < j && to.at(q) + reach < e) q++;
          let crosses = false;
          for (let c = q; c < j && from.at(c) < e; c++) {
            if (s < to.at(c) && e > from.at(c)) {
              crosses = true;
              break;
            }
          }
          if (crosses) pushHit(hits, f.literal[k] as number, s - origin, e - origin, 0);
        }
      }
      i = j;
    }
    // Changes whose every crossing occurrence has now ended are done with.
    while (from.head < from.length && to.at(from.head) + reach <= hi) {
      from.head++;
      to.head++;
    }
  }
}
