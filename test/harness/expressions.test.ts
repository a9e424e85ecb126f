import { describe, expect, it } from "vitest";
import { condition, evaluate, interpolate } from "./expressions";

const ctx = (jobFailed = false) => ({
  contexts: {
    inputs: { service: "papyrus-task-service", port: 5000, publish: false },
    steps: { probe: { outputs: { result: "fail" }, outcome: "success" }, alb: { outputs: { url: "" } } },
    github: { run_id: "42", run_attempt: "2" },
  },
  jobFailed,
});

describe("workflow expressions", () => {
  it("reads contexts, compares loosely, and short-circuits like GitHub", () => {
    expect(evaluate("steps.probe.outputs.result == 'FAIL'", ctx())).toBe(true);
    expect(evaluate("inputs.port == '5000'", ctx())).toBe(true);
    expect(evaluate("steps.alb.outputs.url || 'none'", ctx())).toBe("none");
    expect(evaluate("inputs.publish && 'yes'", ctx())).toBe(false);
    expect(evaluate("!inputs.publish", ctx())).toBe(true);
    expect(evaluate("format('{0}-{1}', github.run_id, github.run_attempt)", ctx())).toBe("42-2");
    expect(evaluate("steps['probe'].outputs.result", ctx())).toBe("fail");
    expect(evaluate("contains('a,b', 'B')", ctx())).toBe(true);
  });

  it("interpolates ${{ }} and applies the implicit success() of if:", () => {
    expect(interpolate("smoke-${{ github.run_id }}-${{ github.run_attempt }}", ctx())).toBe("smoke-42-2");
    expect(condition("steps.probe.outputs.result != 'pass'", ctx())).toBe(true);
    expect(condition("steps.probe.outputs.result != 'pass'", ctx(true))).toBe(false);
    expect(condition("${{ always() && steps.probe.outputs.result != 'pass' }}", ctx(true))).toBe(true);
    expect(condition(undefined, ctx(true))).toBe(false);
  });

  it("refuses what it does not understand instead of guessing", () => {
    expect(() => evaluate("nope.x", ctx())).toThrow(/unknown context 'nope'/);
    expect(() => evaluate("hashFiles('x')", ctx())).toThrow(/unsupported function/);
    expect(() => evaluate("'unterminated", ctx())).toThrow(/unterminated/);
  });
});
