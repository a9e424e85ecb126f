import { describe, expect, it } from "vitest";
import {
  defaultPrefix,
  MAX_PREFIX,
  prefixProblem,
  type RunIdentity,
  resourceNames,
} from "../../../src/actions/ephemeral-alb/naming";

const id: RunIdentity = {
  repository: "octo-org/papyrus",
  runId: "4242",
  runAttempt: "1",
  job: "smoke",
  step: "alb",
  leg: "",
  runner: "GitHub Actions 7",
};

describe("resource names", () => {
  it("derive a valid default prefix from the repository", () => {
    expect(defaultPrefix("octo-org/papyrus")).toBe("eas-papyrus");
    expect(defaultPrefix("octo-org/My_Very.Long--Repository-Name-2026")).toBe("eas-my-very-long-repo");
    expect(defaultPrefix("octo-org/My_Very.Long--Repository-Name-2026").length).toBeLessThanOrEqual(MAX_PREFIX);
    expect(defaultPrefix("octo-org/___")).toBe("eas");
  });

  it("stay within 32 characters with the longest prefix allowed", () => {
    const names = resourceNames("a".repeat(MAX_PREFIX), id);
    expect(names.loadBalancer.length).toBe(32);
    expect(names.targetGroup.length).toBeLessThanOrEqual(32);
    expect(names.loadBalancer).toMatch(/^[a-z0-9-]+$/);
  });

  it("differ per run attempt, job, step and leg, and are stable otherwise", () => {
    const base = resourceNames("eas-papyrus", id).base;
    expect(resourceNames("eas-papyrus", { ...id }).base).toBe(base);
    const variants = [
      { ...id, runAttempt: "2" },
      { ...id, job: "smoke-2" },
      { ...id, step: "alb2" },
      { ...id, leg: "admin" },
      { ...id, runId: "4243" },
      { ...id, runner: "GitHub Actions 8" },
    ].map((v) => resourceNames("eas-papyrus", v).base);
    expect(new Set([base, ...variants]).size).toBe(7);
  });

  it("refuse prefixes that would break the limits or the rules", () => {
    expect(prefixProblem("eas-papyrus")).toBeUndefined();
    expect(prefixProblem("x".repeat(MAX_PREFIX + 1))).toMatch(/at most 21 fit/);
    expect(prefixProblem("-bad")).toMatch(/must not start or end with a hyphen/);
    expect(prefixProblem("bad_name")).toMatch(/only letters, digits and hyphens/);
    expect(prefixProblem("internal-x")).toMatch(/internal-/);
    // The security group is `<prefix>-<hash>-alb-sg`, and EC2 refuses group names that start with `sg-`.
    expect(prefixProblem("sg-app")).toMatch(/must not start with 'sg-'/);
    expect(prefixProblem("SG")).toMatch(/must not start with 'sg-' or be 'sg'/);
    expect(prefixProblem("sgapp")).toBeUndefined();
    expect(prefixProblem("internal")).toMatch(/or be .internal./);
  });
});
