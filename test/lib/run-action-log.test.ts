/**
 * The runner's seam log: a line the runner would take for a workflow command is broken (inert-log.ts), and a
 * registered secret value is replaced before that, so that breaking a command inside a secret cannot stop the
 * runner's mask from matching it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { runnerDeps } from "../../src/lib/run-action";

afterEach(() => {
  vi.restoreAllMocks();
});

function stdoutOf(run: () => void): string {
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  });
  run();
  vi.restoreAllMocks();
  return out;
}

describe("the seam's job log", () => {
  it("a secret holding ##[ or starting a line with :: is masked whole, not split by the command breaker", () => {
    const out = stdoutOf(() => {
      const { log } = runnerDeps();
      log.secret("Pw##[add-mask]9x");
      log.secret("::hunter2::");
      log.info("password Pw##[add-mask]9x and\n::hunter2:: on a line");
    });
    // setSecret's own lines, then the message with both values replaced as the runner shows them.
    expect(out).toContain("::add-mask::Pw##[add-mask]9x");
    expect(out).toContain("password *** and\n*** on a line");
    expect(out.split("\n").filter((l) => l.includes("hunter2") && !l.startsWith("::add-mask::"))).toEqual([]);
  });

  it("breaks what the runner would run, in text that holds no secret", () => {
    const out = stdoutOf(() => runnerDeps().log.info(".x\n::stop-commands::zz\nfound ##[add-matcher]m.json"));
    expect(out).toBe(".x\n:\u200b:stop-commands::zz\nfound #\u200b#[add-matcher]m.json\n");
  });
});
