/**
 * The saved state a main step leaves for its post step, versioned: the
 * runner's store (run-action.ts) and the in-memory one of the command line
 * and the tests read it back the same way. No runner calls here, so the
 * command line can keep its state without reaching @actions/core.
 */

/** A state a post step reads back: the version says which shape it has. */
export interface Versioned {
  version: number;
}

/** What a main step leaves for its post step (GITHUB_STATE on a runner). */
export interface StateStore {
  save<T extends Versioned>(key: string, value: T): void;
  /**
   * The saved value, undefined when nothing was saved; throws when it was
   * saved with another version (a post step never guesses at a shape it does
   * not know).
   */
  load<T extends Versioned>(key: string, version: T["version"]): T | undefined;
}

/** The JSON of a saved state, checked for its version (shared by the runner's store and the fakes). */
export function parseVersioned<T extends Versioned>(key: string, raw: string, version: number): T | undefined {
  if (raw.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`the saved state '${key}' is not JSON; nothing was done. Re-run the job.`);
  }
  const found = (value as Partial<Versioned> | null)?.version;
  if (found !== version) {
    throw new Error(
      `the saved state '${key}' has version ${JSON.stringify(found)}, but this step reads version ${version}: main and post steps of different releases of the action? Nothing was done; remove what the main step created by hand (or with ephemeral-alb's 'mode: sweep'), and pin one release.`,
    );
  }
  return value as T;
}

/** A state store in memory (the command line's, whose teardown reads it in the same process; the tests'). */
export function memoryState(saved = new Map<string, string>()): StateStore & { saved: Map<string, string> } {
  return {
    saved,
    save: (key, value) => void saved.set(key, JSON.stringify(value)),
    load: (key, version) => parseVersioned(key, saved.get(key) ?? "", version),
  };
}
