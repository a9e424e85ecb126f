/**
 * The runner's egress address from a checkip service (a loopback server here):
 * failed requests and non-2xx answers are tried again until the wait's
 * deadline, an answer that is not an IPv4 address ends it at once.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { runnerEgressCidr } from "../../../src/actions/ephemeral-alb/checkip";
import { ConfigurationError } from "../../../src/lib/errors";

const QUICK = { what: "the runner's public IP address", timeoutMs: 1_500, minDelayMs: 50, maxDelayMs: 100 };
let server: Server | undefined;

/** A checkip service whose n-th answer (from 0) is `answer(n)`; resolves its URL and a hit counter. */
async function checkip(answer: (n: number) => { status: number; body: string }) {
  const hits = { n: 0 };
  server = createServer((_req, res) => {
    const { status, body } = answer(hits.n++);
    res.writeHead(status, { "content-type": "text/plain" }).end(body);
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, hits };
}

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe("runnerEgressCidr", () => {
  it("tries again after 5xx answers and returns the address as a /32", async () => {
    const { url, hits } = await checkip((n) =>
      n < 2 ? { status: 503, body: "busy" } : { status: 200, body: "203.0.113.7\n" },
    );
    await expect(runnerEgressCidr(url, {}, QUICK)).resolves.toBe("203.0.113.7/32");
    expect(hits.n).toBe(3);
  });

  it("an answer that is not an IPv4 address fails at once, naming the URL and what to set", async () => {
    const { url, hits } = await checkip(() => ({ status: 200, body: "<html>login</html>" }));
    const error = await runnerEgressCidr(url, {}, QUICK).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      `The checkip URL ${url} answered '<html>login</html>', not an IPv4 address. Set 'checkip-url' to a service that returns the bare address, or set 'ingress-cidrs' explicitly.`,
    );
    expect(hits.n).toBe(1);
  });

  it("an octet over 255 is not an address", async () => {
    const { url } = await checkip(() => ({ status: 200, body: "203.0.113.256" }));
    await expect(runnerEgressCidr(url, {}, QUICK)).rejects.toThrow(/not an IPv4 address/);
  });

  it("gives up at the deadline with the last answer, saying nothing was created", async () => {
    const { url, hits } = await checkip(() => ({ status: 502, body: "bad gateway" }));
    const error = (await runnerEgressCidr(url, {}, QUICK).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(
      /^Could not find the runner's public IP address from http:\/\/127\.0\.0\.1:\d+\/ \(Timed out after 2s waiting for the runner's public IP address: HTTP 502\)\. Nothing was created\./,
    );
    expect(hits.n).toBeGreaterThan(1);
  });

  it("a refused connection is tried again too", async () => {
    const { url } = await checkip(() => ({ status: 200, body: "198.51.100.1" }));
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    const error = (await runnerEgressCidr(url, {}, QUICK).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/Timed out after 2s waiting for the runner's public IP address: .*ECONNREFUSED/);
  });
});
