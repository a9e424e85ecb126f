// The DNS failure path. Tests may only reach loopback (the guard refuses other
// host names before any lookup), so the resolver is replaced for `localhost`.
import { describe, expect, it, vi } from "vitest";

vi.mock("node:dns", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:dns")>();
  const lookup = (_host: string, _opts: unknown, cb: (e: NodeJS.ErrnoException) => void) => {
    process.nextTick(() => cb(Object.assign(new Error("getaddrinfo ENOTFOUND localhost"), { code: "ENOTFOUND" })));
  };
  return { ...real, default: { ...real, lookup }, lookup };
});

const { exchange } = await import("../../../src/actions/http-evidence-probe/http");

describe("http exchange", () => {
  it("a name that does not resolve comes back as curl's error 6, with the time the lookup took", async () => {
    const ex = await exchange(new URL("http://localhost:5000/healthz"), {
      method: "GET",
      headers: {},
      timeoutMs: 5_000,
      maxBodyBytes: 1024,
      insecure: false,
      followRedirects: false,
      resolve: [],
    });
    expect(ex.response).toBeUndefined();
    expect(ex.error).toEqual({
      code: "ENOTFOUND",
      curlExit: 6,
      message: "curl: (6) Could not resolve host: localhost",
    });
    expect(typeof ex.timings.dns).toBe("number");
    expect(ex.timings.connect).toBeNull();
  });
});
