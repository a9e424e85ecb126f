import { describe, expect, it } from "vitest";
import { backoffMs } from "../../src/lib/retry";

describe("backoffMs (the AWS clients' retry delays, src/lib/aws.ts)", () => {
  it("is full jitter under a cap that doubles per attempt up to the maximum", () => {
    expect(backoffMs(0, 200, 5000, () => 0.999)).toBe(199);
    expect(backoffMs(1, 200, 5000, () => 0.999)).toBe(399);
    expect(backoffMs(10, 200, 5000, () => 0.5)).toBe(2500);
    expect(backoffMs(3, 200, 5000, () => 0)).toBe(0);
  });
});
