import { describe, expect, it } from "vitest";
import { InputError } from "../../src/lib/errors";
import {
  assertKnownKeys,
  readArn,
  readBoolean,
  readDurationMs,
  readEnum,
  readList,
  readNumber,
  readRegion,
  readString,
  readYaml,
} from "../../src/lib/inputs";

/** Inputs faked by name, never by read order. */
const inputs = (values: Record<string, string>) => (name: string) => values[name] ?? "";

describe("typed input readers", () => {
  it("accept only the true/false spellings for booleans", () => {
    expect(readBoolean(inputs({ keep: "True" }), "keep", false)).toBe(true);
    expect(readBoolean(inputs({}), "keep", true)).toBe(true);
    expect(() => readBoolean(inputs({ keep: "yes" }), "keep", false)).toThrow(
      "Input 'keep': must be true or false, got 'yes'.",
    );
  });

  it("check numbers, integers and ranges, naming the input", () => {
    expect(readNumber(inputs({ n: "5" }), "n", { default: 1, min: 1 })).toBe(5);
    expect(readNumber(inputs({}), "n", { default: 7 })).toBe(7);
    expect(() => readNumber(inputs({ n: "-1" }), "n", { default: 1, min: 0 })).toThrow(/Input 'n': must be at least 0/);
    expect(() => readNumber(inputs({ n: "1.5" }), "n", { default: 1 })).toThrow(/whole number/);
    expect(() => readNumber(inputs({ n: "0x10" }), "n", { default: 1 })).toThrow(/whole number/);
    expect(readNumber(inputs({ n: "1.5" }), "n", { default: 1, integer: false })).toBe(1.5);
  });

  it("read durations with and without units", () => {
    expect(readDurationMs(inputs({ t: "30" }), "t", { defaultMs: 1 })).toBe(30_000);
    expect(readDurationMs(inputs({ t: "500ms" }), "t", { defaultMs: 1 })).toBe(500);
    expect(readDurationMs(inputs({ t: "5m" }), "t", { defaultMs: 1 })).toBe(300_000);
    expect(() => readDurationMs(inputs({ t: "soon" }), "t", { defaultMs: 1 })).toThrow(/Input 't'/);
    expect(() => readDurationMs(inputs({ t: "2h" }), "t", { defaultMs: 1, maxMs: 3_600_000 })).toThrow(/at most 3600s/);
  });

  it("read enums, lists and required strings", () => {
    expect(readEnum(inputs({ mode: "sweep" }), "mode", ["create", "sweep"] as const, "create")).toBe("sweep");
    expect(() => readEnum(inputs({ mode: "nuke" }), "mode", ["create", "sweep"] as const, "create")).toThrow(
      "Input 'mode': must be one of 'create', 'sweep', got 'nuke'.",
    );
    expect(readList(inputs({ s: "a, b\n# comment\n\nc" }), "s", { commas: true })).toEqual(["a", "b", "c"]);
    expect(() => readString(inputs({}), "cluster", { required: true })).toThrow(InputError);
  });

  it("parse YAML strictly and reject unknown keys", () => {
    expect(readYaml(inputs({ y: "- path: /healthz" }), "y")).toEqual([{ path: "/healthz" }]);
    expect(() => readYaml(inputs({ y: "a: 1\na: 2" }), "y")).toThrow(/Input 'y': is not valid YAML/);
    expect(() => assertKnownKeys("probes", "probe 1", { pth: "/" }, ["path", "url"])).toThrow(
      "Input 'probes': probe 1 has unknown key 'pth'. Allowed keys: path, url.",
    );
  });

  it("check regions and ARNs", () => {
    expect(readRegion(inputs({}), "aws-region", { AWS_REGION: "us-west-2" })).toBe("us-west-2");
    expect(() => readRegion(inputs({}), "aws-region", {})).toThrow(/no AWS region/);
    expect(() => readRegion(inputs({ "aws-region": "mars-1" }), "aws-region", {})).toThrow(/not an AWS region/);
    const tg = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/smoke/0123456789abcdef";
    expect(readArn(inputs({ tg }), "tg", { service: "elasticloadbalancing", resourcePrefix: "targetgroup/" })).toBe(tg);
    expect(() =>
      readArn(inputs({ tg: "arn:aws:ecs:us-west-2:123456789012:cluster/x" }), "tg", {
        service: "elasticloadbalancing",
        resourcePrefix: "targetgroup/",
      }),
    ).toThrow(/Input 'tg': .* is not a valid ARN/);
  });
});
