// The guard (loaded into every test process and every bundle) refuses any
// connection outside loopback before a name is even looked up.
import http from "node:http";
import net from "node:net";
import { describe, expect, it } from "vitest";

function failure(start: (onError: (e: NodeJS.ErrnoException) => void) => void): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve) => start(resolve));
}

describe("loopback guard", () => {
  it("refuses http.get to a host name (http.Agent passes normalized arguments to Socket#connect)", async () => {
    const e = await failure((onError) => http.get("http://aws.emulator.test:1/").on("error", onError));
    expect(e.message).toContain("loopback guard: connection to aws.emulator.test refused");
  });

  it("refuses net.connect to a host name and to a non-loopback address", async () => {
    const byName = await failure((onError) => net.connect(1, "example.test").on("error", onError));
    expect(byName.message).toContain("loopback guard");
    const byAddress = await failure((onError) => net.connect({ host: "192.0.2.1", port: 1 }).on("error", onError));
    expect(byAddress.message).toContain("loopback guard");
  });

  it("lets loopback through", async () => {
    const e = await failure((onError) => http.get("http://127.0.0.1:1/").on("error", onError));
    expect(e.code).toBe("ECONNREFUSED");
    expect(e.message).not.toContain("loopback guard");
  });
});
