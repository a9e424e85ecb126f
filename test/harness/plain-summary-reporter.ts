/**
 * Ends a test run with one plain line, `tests: N passed, N failed[, N skipped]`,
 * the closing line any CI log reader understands, printed after the default
 * reporter's own summary.
 */
import type { File, Task } from "@vitest/runner";
import type { Reporter } from "vitest/reporters";

function count(tasks: Task[], totals: { passed: number; failed: number; skipped: number }): void {
  for (const task of tasks) {
    if (task.type === "suite") {
      count(task.tasks, totals);
      continue;
    }
    const state = task.result?.state;
    if (state === "pass") totals.passed++;
    else if (state === "fail") totals.failed++;
    else totals.skipped++;
  }
}

export default class PlainSummaryReporter implements Reporter {
  onFinished(files: File[] = [], errors: unknown[] = []): void {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    for (const file of files) {
      count(file.tasks, totals);
      // A file that failed to load has no tests, and must still count as a failure.
      if (file.result?.state === "fail" && file.tasks.length === 0) totals.failed++;
    }
    totals.failed += errors.length;
    process.stdout.write(
      `\ntests: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}\n`,
    );
  }
}
