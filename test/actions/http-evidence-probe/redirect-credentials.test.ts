// With follow-redirects, the app decides where the probe goes next: credentials must not follow it elsewhere.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchange, linkLocal } from "../../../src/actions/http-evidence-probe/http";

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
}

function server(seen: Seen[], answer: (path: string) => { status: number; location?: string }): Promise<Server> {
  const s = createServer((req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers });
    const a = answer(req.url ?? "");
    res.writeHead(a.status, a.location ? { location: a.location } : {});
    res.end("ok");
  });
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(s)));
}

const SECRET_HEADERS = {
  Authorization: "Bearer s3cr3t-token",
  Cookie: "session=c00kie",
  "X-Api-Key": "k3y-value",
  "X-Upstream-Token": "t0ken",
};

describe("http exchange: redirects and credentials", () => {
  const app: Seen[] = [];
  const other: Seen[] = [];
  let appServer: Server;
  let otherServer: Server;
  let appUrl: string;
  let otherUrl: string;
  beforeAll(async () => {
    otherServer = await server(other, (path) =>
      path === "/back" ? { status: 302, location: `${appUrl}/home` } : { status: 200 },
    );
    otherUrl = `http://127.0.0.1:${(otherServer.address() as AddressInfo).port}`;
    appServer = await server(app, (path) => {
      if (path === "/same") return { status: 302, location: "/home" };
      if (path === "/away") return { status: 302, location: `${otherUrl}/steal` };
      if (path === "/away-and-back") return { status: 307, location: `${otherUrl}/back` };
      if (path === "/metadata") return { status: 302, location: "http://169.254.169.254/latest/meta-data/iam/" };
      if (path === "/metadata6") return { status: 302, location: "http://[fd00:ec2::254]/latest/meta-data/" };
      if (path === "/pinned") return { status: 302, location: "http://metadata.example.test/latest/" };
      return { status: 200 };
    });
    appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    appServer.close();
    otherServer.close();
  });

  const probe = (path: string) =>
    exchange(new URL(`${appUrl}${path}`), {
      method: "GET",
      headers: { ...SECRET_HEADERS, "X-Request-Id": "corr-1" },
      timeoutMs: 5_000,
      maxBodyBytes: 1024,
      insecure: false,
      followRedirects: true,
      resolve: [],
    });
  const sent = (s: Seen) => ({
    authorization: s.headers.authorization,
    cookie: s.headers.cookie,
    apiKey: s.headers["x-api-key"],
    token: s.headers["x-upstream-token"],
    correlation: s.headers["x-request-id"],
  });
  const all = { authorization: "Bearer s3cr3t-token", cookie: "session=c00kie", apiKey: "k3y-value", token: "t0ken" };
  const none = { authorization: undefined, cookie: undefined, apiKey: undefined, token: undefined };

  it("keeps them on a redirect within the origin", async () => {
    app.length = 0;
    const ex = await probe("/same");
    expect(ex.response?.status).toBe(200);
    expect(app.map(sent)).toEqual([
      { ...all, correlation: "corr-1" },
      { ...all, correlation: "corr-1" },
    ]);
  });

  it("drops every secret header when a redirect leaves for another origin (another port here), keeps the others", async () => {
    app.length = 0;
    other.length = 0;
    const ex = await probe("/away");
    expect(ex.response?.status).toBe(200);
    expect(ex.redirects).toHaveLength(1);
    expect(app.map(sent)).toEqual([{ ...all, correlation: "corr-1" }]);
    expect(other.map((s) => [s.path, sent(s)])).toEqual([["/steal", { ...none, correlation: "corr-1" }]]);
  });

  it.each(["/metadata", "/metadata6", "/pinned"])(
    "never follows a redirect to a link-local address (%s: the instance metadata service), by address or by name",
    async (path) => {
      // The loopback guard would fail the test on any connection attempt: the refusal comes before one.
      const ex = await exchange(new URL(`${appUrl}${path}`), {
        method: "GET",
        headers: {},
        timeoutMs: 5_000,
        maxBodyBytes: 1024,
        insecure: false,
        followRedirects: true,
        // A name pinned to the metadata address, as DNS could answer it.
        resolve: [{ host: "metadata.example.test", port: "*", address: "169.254.169.254" }],
      });
      expect(ex.redirects).toHaveLength(1);
      expect(ex.response).toBeUndefined();
      expect(ex.error).toMatchObject({ code: "LINK_LOCAL_REFUSED", curlExit: 7 });
      expect(ex.error?.message).toMatch(/^refused to follow a redirect to .* a link-local address/);
    },
  );

  it("linkLocal: 169.254/16, its IPv4-mapped form, fe80::/10 and EC2's IPv6 metadata address", () => {
    expect(linkLocal("169.254.169.254")).toBe(true);
    expect(linkLocal("::ffff:169.254.169.254")).toBe(true);
    expect(linkLocal("fe80::1")).toBe(true);
    expect(linkLocal("fd00:ec2::254")).toBe(true);
    expect(linkLocal("10.0.0.5")).toBe(false);
    expect(linkLocal("127.0.0.1")).toBe(false);
    expect(linkLocal("metadata.example.test")).toBe(false);
  });

  it("sends them again once a redirect comes back to the origin they were given for", async () => {
    app.length = 0;
    other.length = 0;
    const ex = await probe("/away-and-back");
    expect(ex.response?.status).toBe(200);
    expect(other.map(sent)).toEqual([{ ...none, correlation: "corr-1" }]);
    expect(app.map((s) => [s.path, sent(s)])).toEqual([
      ["/away-and-back", { ...all, correlation: "corr-1" }],
      ["/home", { ...all, correlation: "corr-1" }],
    ]);
  });
});
