/**
 * The seam's `ActionDeps` for tests that call an action's `run(inputs, deps)`
 * in process: what the step logs, annotates, writes to its summary, outputs,
 * exports and saves is recorded instead of written to the runner's files.
 * The summary is cut as the runner's seam cuts it (1 MiB per step).
 */
import { fitSummary, STEP_SUMMARY_LIMIT_BYTES } from "../../src/lib/job-report";
import { type Clock, realClock } from "../../src/lib/retry";
import type { ActionDeps, AnnotationAt, OutputValue } from "../../src/lib/run-action";
import { memoryState } from "../../src/lib/saved-state";

export interface Annotated {
  level: "error" | "warning" | "notice";
  message: string;
  at?: AnnotationAt;
}

export interface FakeDeps extends ActionDeps {
  state: ReturnType<typeof memoryState>;
  /** Every line of the log as the runner shows it: annotations as `::warning::message`. */
  lines: string[];
  annotations: Annotated[];
  summaries: string[];
  outputValues: Record<string, OutputValue>;
  exported: Record<string, string>;
  secrets: string[];
  /** The log as one text (lines joined with newlines). */
  logText(): string;
  /** Everything written to the summary. */
  summaryText(): string;
}

export function fakeDeps<C extends Clock = Clock>(opts: { clock?: C } = {}): FakeDeps & { clock: C } {
  const lines: string[] = [];
  const annotations: Annotated[] = [];
  const summaries: string[] = [];
  const outputValues: Record<string, OutputValue> = {};
  const exported: Record<string, string> = {};
  const secrets: string[] = [];
  const annotation = (level: Annotated["level"], message: string, at?: AnnotationAt) => {
    annotations.push({ level, message, ...(at ? { at } : {}) });
    lines.push(`::${level}::${message}`);
  };
  return {
    log: {
      info: (m) => void lines.push(m),
      debug: (m) => void lines.push(`::debug::${m}`),
      warning: (m, at) => annotation("warning", m, at),
      error: (m, at) => annotation("error", m, at),
      annotation,
      secret: (v) => void secrets.push(v),
    },
    summary: {
      write: async (markdown, o) => {
        const used = Buffer.byteLength(summaries.join(""), "utf8");
        const { text } = fitSummary(markdown, STEP_SUMMARY_LIMIT_BYTES - used, o?.hint);
        if (text === "") return false;
        summaries.push(text);
        return true;
      },
    },
    state: memoryState(),
    outputs: {
      set: (name, value) => {
        outputValues[name] = value;
      },
      exportVariable: (name, value) => {
        exported[name] = value;
      },
    },
    clock: opts.clock ?? (realClock as C),
    lines,
    annotations,
    summaries,
    outputValues,
    exported,
    secrets,
    logText: () => lines.join("\n"),
    summaryText: () => summaries.join(""),
  };
}
