// Self-hosted runners behind a proxy: the probe uses it the way curl does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proxyFor, readProxySettings } from "../../../src/actions/http-evidence-probe/proxy";
import { startHttpProxy, type TestProxy } from "../../fixtures/http-proxy";
import { type SampleApp, startHttpsSampleApp, startSampleApp } from "../../fixtures/sample-app";
import { runBundle } from "../../harness/runner";
import { closedPort, evidence, jsonLine } from "./helpers";

function probeWithEnv(inputs: Record<string, string | number | boolean>, env: Record<string, string>) {
  return runBundle("http-evidence-probe", { inputs, env, timeoutMs: 60_000 });
}

describe("http-evidence-probe through an HTTP proxy", () => {
  let app: SampleApp;
  let tlsApp: SampleApp;
  let proxy: TestProxy;
  beforeAll(async () => {
    [app, tlsApp, proxy] = await Promise.all([startSampleApp(), startHttpsSampleApp(), startHttpProxy()]);
  });
  afterAll(async () => {
    await Promise.all([app?.stop(), tlsApp?.stop(), proxy?.stop()]);
  });

  it("http:// goes through http_proxy with the absolute URL; credentials become Proxy-Authorization and stay out of evidence", async () => {
    const withCreds = proxy.url.replace("http://", "http://runner:pr0xy-pa55@");
    const result = await probeWithEnv({ url: `${app.url}/healthz` }, { http_proxy: withCreds });
    expect(result.code, result.stdout).toBe(0);
    expect(proxy.requests).toContain(`GET ${app.url}/healthz`);
    expect(proxy.authorizations).toContain(`Basic ${Buffer.from("runner:pr0xy-pa55").toString("base64")}`);
    expect(jsonLine(result, "healthz")).toMatchObject({ status: 200, proxy: proxy.url });
    expect(result.masked).toContain("pr0xy-pa55");
    expect(Object.values(evidence(result)).join("\n")).not.toContain("pr0xy-pa55");
  });

  it("https:// is tunnelled with CONNECT from HTTPS_PROXY; the log starts with the proxy's answer, as curl -si shows it", async () => {
    const result = await probeWithEnv({ url: `${tlsApp.url}/healthz`, insecure: true }, { HTTPS_PROXY: proxy.url });
    expect(result.code, result.stdout).toBe(0);
    expect(proxy.requests).toContain(`CONNECT ${tlsApp.address}:${tlsApp.port}`);
    expect(evidence(result)["healthz.log"]).toMatch(
      /^HTTP\/1\.1 200 Connection established\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*"status":"ok"/,
    );
    const line = jsonLine(result, "healthz");
    expect(typeof line.timings_ms.tls).toBe("number");
  });

  it("NO_PROXY, `proxy: none` and curl's lower-case-only http_proxy keep requests direct", async () => {
    const before = proxy.requests.length;
    const bypassed = await probeWithEnv(
      { url: `${app.url}/healthz` },
      { http_proxy: proxy.url, NO_PROXY: `localhost,${app.address}` },
    );
    expect(bypassed.code, bypassed.stdout).toBe(0);
    const none = await probeWithEnv({ url: `${app.url}/healthz`, proxy: "none" }, { http_proxy: proxy.url });
    expect(none.code, none.stdout).toBe(0);
    const upper = await probeWithEnv({ url: `${app.url}/healthz` }, { HTTP_PROXY: proxy.url });
    expect(upper.code, upper.stdout).toBe(0);
    expect(proxy.requests.length).toBe(before);
    expect(jsonLine(none, "healthz").proxy).toBeNull();
  });

  it("the proxy input overrides the environment; a refused CONNECT and a dead proxy are reported in curl's words", async () => {
    const refusing = await startHttpProxy({ refuseConnectWith: 403 });
    try {
      const refused = await probeWithEnv(
        { url: `${tlsApp.url}/healthz`, insecure: true, proxy: refusing.url, "deadline-seconds": 0 },
        { HTTPS_PROXY: proxy.url },
      );
      expect(refused.code).toBe(1);
      expect(refusing.requests).toEqual([`CONNECT ${tlsApp.address}:${tlsApp.port}`]);
      expect(evidence(refused)["healthz.log"]).toBe(
        "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\ncurl: (56) CONNECT tunnel failed, response 403\n",
      );
    } finally {
      await refusing.stop();
    }
    const port = await closedPort();
    const dead = await probeWithEnv(
      { url: `${app.url}/healthz`, proxy: `http://127.0.0.1:${port}`, "deadline-seconds": 0 },
      {},
    );
    expect(dead.code).toBe(1);
    expect(evidence(dead)["healthz.log"]).toMatch(
      new RegExp(
        `^curl: \\(7\\) Failed to connect to 127\\.0\\.0\\.1 port ${port} after \\d+ ms: Couldn't connect to server\\n$`,
      ),
    );
  });

  it("a proxy URL that is not http:// is refused, naming the input", async () => {
    const result = await probeWithEnv({ url: `${app.url}/healthz`, proxy: "socks5://127.0.0.1:1080" }, {});
    expect(result.code).toBe(1);
    expect(result.annotations.find((a) => a.level === "error")?.message).toMatch(
      /^Input 'proxy': proxy scheme 'socks5:'/,
    );
  });
});

describe("proxy settings as curl reads them", () => {
  const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;

  it("picks http_proxy (lower case only) for http, HTTPS_PROXY for https, ALL_PROXY as fallback", () => {
    const s = readProxySettings(
      "proxy",
      "",
      env({ HTTP_PROXY: "http://upper:1", https_proxy: "http://tls:2", ALL_PROXY: "http://all:3" }),
    );
    expect(proxyFor(new URL("http://a.example/"), s)?.host).toBe("all:3");
    expect(proxyFor(new URL("https://a.example/"), s)?.host).toBe("tls:2");
    expect(readProxySettings("proxy", "none", env({ https_proxy: "http://tls:2" }))).toBeUndefined();
    expect(readProxySettings("proxy", "proxy.corp:3128", env({}))?.https?.href).toBe("http://proxy.corp:3128/");
  });

  it("NO_PROXY: exact hosts, domain suffixes with or without a dot, host:port, and *", () => {
    const s = (noProxy: string) => readProxySettings("proxy", "http://p:1", env({ NO_PROXY: noProxy }));
    const via = (url: string, noProxy: string) => proxyFor(new URL(url), s(noProxy)) !== undefined;
    expect(via("http://alb.elb.amazonaws.com/", ".amazonaws.com")).toBe(false);
    expect(via("http://alb.elb.amazonaws.com/", "amazonaws.com")).toBe(false);
    expect(via("http://notamazonaws.com/", "amazonaws.com")).toBe(true);
    expect(via("http://10.0.1.5:5000/", "10.0.1.5")).toBe(false);
    expect(via("http://10.0.1.5:5000/", "10.0.1.5:80")).toBe(true);
    expect(via("http://10.0.1.5:5000/", "10.0.1.5:5000")).toBe(false);
    expect(via("https://anything/", "*")).toBe(false);
    expect(via("https://anything/", "")).toBe(true);
  });
});
