// With follow-redirects, the app decides where the probe goes next: credentials must not follow it elsewhere.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchange } from "../../../src/actions/http-evidence-probe/http";

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
