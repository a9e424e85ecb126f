import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** `YYYYMMDD_HHMMSS` in UTC: the team's evidence timestamp. */
export function evidenceTimestamp(date: Date = new Date()): string {
  const iso = date.toISOString(); // 2025-11-05T06:32:10.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** `YYYYMMDD-HHMMSSZ`, used in evidence branch names. */
export function branchTimestamp(date: Date = new Date()): string {
  return `${evidenceTimestamp(date).replace("_", "-")}Z`;
}

/** `<dir>/<ts>_<kind>.<ext>` */
export function evidenceFileName(ts: string, kind: string, ext: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(kind)) throw new Error(`evidence kind '${kind}' has characters unsafe in a file name`);
  return `${ts}_${kind}.${ext}`;
}

/**
 * Writes via a temp file in the same directory and a rename, so a reader (or a
 * crash) never sees a half-written file. Keeps the mode of a file it replaces.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  let keepMode = mode;
  if (keepMode === undefined) {
    try {
      keepMode = statSync(path).mode & 0o7777;
    } catch {
      keepMode = undefined;
    }
  }
  const tmp = join(dirname(path), `.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeFileSync(tmp, data);
    if (keepMode !== undefined) chmodSync(tmp, keepMode);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** Writes the evidence files of one action run, all with the same timestamp. */
export class EvidenceWriter {
  readonly written: string[] = [];
  constructor(
    readonly dir: string,
    readonly ts: string = evidenceTimestamp(),
  ) {}

  path(kind: string, ext: string): string {
    return join(this.dir, evidenceFileName(this.ts, kind, ext));
  }

  write(kind: string, ext: string, content: string | Uint8Array): string {
    const path = this.path(kind, ext);
    writeFileAtomic(path, content);
    if (!this.written.includes(path)) this.written.push(path);
    return path;
  }

  writeJson(kind: string, value: unknown): string {
    return this.write(kind, "json", `${JSON.stringify(value, null, 2)}\n`);
  }
}
