// Latency sampling after a probe passes: N sequential requests, nearest-rank
// percentiles, and the p90 budget (the team alarms on p90 > 1.5 s).
import { describeFailures, type ExpectationResult, evaluate, percentile } from "./expectations";
import type { ProbeInputs, ProbeSpec } from "./inputs";
import type { ProbeDeps } from "./run";
import type { ExchangeOptions } from "./types";

export interface LatencyReport {
  samples: number;
  errors: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  budget_p90_ms: number | null;
  samples_ms: number[];
}

export async function sampleLatency(
  spec: ProbeSpec,
  inputs: ProbeInputs,
  deps: ProbeDeps,
  opts: ExchangeOptions,
): Promise<{ latency: LatencyReport; reasons: string[]; check?: ExpectationResult }> {
  const totals: number[] = [];
  let errors = 0;
  let firstError = "";
  for (let i = 0; i < inputs.latencySamples; i++) {
    const ex = await deps.exchange(spec.url, opts);
    totals.push(ex.timings.total);
    const failed = ex.error
      ? [ex.error.message]
      : describeFailures(ex.response ? evaluate(spec.expect, ex.response) : []);
    if (failed.length > 0) {
      errors++;
      firstError ||= failed[0] as string;
    }
  }
  const sorted = [...totals].sort((a, b) => a - b);
  const latency: LatencyReport = {
    samples: totals.length,
    errors,
    p50_ms: percentile(sorted, 50),
    p90_ms: percentile(sorted, 90),
    p99_ms: percentile(sorted, 99),
    max_ms: sorted[sorted.length - 1] ?? 0,
    budget_p90_ms: inputs.latencyP90MaxMs ?? null,
    samples_ms: totals,
  };
  const reasons: string[] = [];
  if (errors > 0)
    reasons.push(`latency sampling: ${errors} of ${totals.length} requests failed (first: ${firstError})`);
  let check: ExpectationResult | undefined;
  if (inputs.latencyP90MaxMs !== undefined) {
    const pass = latency.p90_ms <= inputs.latencyP90MaxMs;
    check = { name: "latency.p90", expected: `<= ${inputs.latencyP90MaxMs} ms`, actual: latency.p90_ms, pass };
    if (!pass) {
      reasons.push(
        `latency.p90: expected at most ${inputs.latencyP90MaxMs} ms over ${totals.length} requests, got ${latency.p90_ms} ms (p50 ${latency.p50_ms} ms, p99 ${latency.p99_ms} ms)`,
      );
    }
  }
  return check ? { latency, reasons, check } : { latency, reasons };
}
