import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/evidence";
import type { AlbState } from "./state";

/**
 * The create step's state, for a later step of the same job (`mode: destroy`).
 * GITHUB_STATE reaches only the post step of the step that saved it (as
 * STATE_*), so the create step also writes each save to
 * `$RUNNER_TEMP/ecs-alb-smoke/cycles/<name>.json`: RUNNER_TEMP is per job and
 * emptied when the job ends. Nothing here is trusted for what it names: the
 * destroy step deletes a resource only when its tags say it is this run's
 * cycle (see ownership.ts), so a file another step wrote (code from a pull
 * request runs in the same job) cannot point it at anything else.
 */
export interface CycleRecord {
  state: AlbState;
  /** GITHUB_JOB and GITHUB_RUN_ATTEMPT of the create step: only the same job and attempt destroys it. */
  job: string;
  runAttempt: string;
  /** Set by `mode: destroy` once every resource was deleted and a Describe showed it gone. */
  destroyed?: { at: string; evidence: string };
}

export interface JobIdentity {
  runId: string;
  runAttempt: string;
  job: string;
}

export function jobIdentity(env: NodeJS.ProcessEnv): JobIdentity {
  return { runId: env.GITHUB_RUN_ID ?? "local", runAttempt: env.GITHUB_RUN_ATTEMPT ?? "1", job: env.GITHUB_JOB ?? "" };
}

export class CycleFiles {
  constructor(readonly runnerTemp: string) {}

  get dir(): string {
    return join(this.runnerTemp, "ecs-alb-smoke", "cycles");
  }

  private path(base: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(base)) throw new Error(`cycle name '${base}' is not a resource name`);
    return join(this.dir, `${base}.json`);
  }

  write(record: CycleRecord): void {
    writeFileAtomic(this.path(record.state.names.base), `${JSON.stringify(record, null, 2)}\n`, 0o600);
  }

  read(base: string): CycleRecord | undefined {
    const path = this.path(base);
    if (!existsSync(path)) return undefined;
    return parseRecord(readFileSync(path, "utf8"));
  }

  /** This job's cycles (same run, attempt and job), oldest first. */
  ofJob(id: JobIdentity): CycleRecord[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".json"))
      .flatMap((f) => {
        const r = parseRecord(readFileSync(join(this.dir, f), "utf8"));
        return r && r.state.runId === id.runId && r.runAttempt === id.runAttempt && r.job === id.job ? [r] : [];
      })
      .sort((a, b) => (a.state.createdAt ?? 0) - (b.state.createdAt ?? 0));
  }

  markDestroyed(base: string, destroyed: NonNullable<CycleRecord["destroyed"]>): void {
    const record = this.read(base);
    if (record) this.write({ ...record, destroyed });
  }
}

function parseRecord(raw: string): CycleRecord | undefined {
  try {
    const value = JSON.parse(raw) as Partial<CycleRecord>;
    const state = value.state;
    if (state?.version !== 1 || typeof value.job !== "string" || typeof value.runAttempt !== "string") return undefined;
    return value as CycleRecord;
  } catch {
    return undefined;
  }
}
