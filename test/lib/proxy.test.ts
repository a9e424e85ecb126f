import { describe, expect, it } from "vitest";
import { awsClientConfig } from "../../src/lib/aws";
import { InputError } from "../../src/lib/errors";
import { proxyFor, runnerProxyAgents, runnerProxySettings } from "../../src/lib/proxy";

const href = (u: URL | undefined) => u?.href;

describe("runnerProxySettings (the runner's proxy variables)", () => {
  it("reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY in upper case", () => {
    const s = runnerProxySettings({
      HTTPS_PROXY: "http://proxy.corp:3128",
      HTTP_PROXY: "proxy.corp:8080",
      NO_PROXY: "169.254.169.254, .internal",
    });
    expect(href(s?.https)).toBe("http://proxy.corp:3128/");
    expect(href(s?.http)).toBe("http://proxy.corp:8080/");
    expect(s?.noProxy).toEqual(["169.254.169.254", ".internal"]);
  });

  it("reads the lower-case variables too, and lower case wins when both are set (as @actions/http-client)", () => {
    const s = runnerProxySettings({
      https_proxy: "http://lower:1",
      HTTPS_PROXY: "http://upper:1",
      http_proxy: "http://lower:2",
      no_proxy: "a.example",
      NO_PROXY: "b.example",
    });
    expect(href(s?.https)).toBe("http://lower:1/");
    expect(href(s?.http)).toBe("http://lower:2/");
    expect(s?.noProxy).toEqual(["a.example"]);
  });

  it("is undefined without a proxy variable (empty counts as unset), so the SDK keeps its own handler", () => {
    expect(runnerProxySettings({ NO_PROXY: "x" })).toBeUndefined();
    expect(runnerProxySettings({ HTTPS_PROXY: "", https_proxy: "" })).toBeUndefined();
    expect(runnerProxyAgents({})).toBeUndefined();
    expect(awsClientConfig({ region: "us-west-2", env: {} })).not.toHaveProperty("requestHandler");
  });

  it("gives every client a request handler with the proxy agents when a proxy is set", () => {
    const config = awsClientConfig({ region: "us-west-2", env: { HTTPS_PROXY: "http://proxy.corp:3128" } });
    expect(config.requestHandler).toBeDefined();
  });

  it("names the variable that holds a malformed proxy, without a stack trace", () => {
    expect(() => runnerProxySettings({ https_proxy: "http://[oops" })).toThrow(InputError);
    expect(() => runnerProxySettings({ https_proxy: "http://[oops" })).toThrow(
      /^Input 'https_proxy': 'http:\/\/\[oops' is not a proxy URL/,
    );
    expect(() => runnerProxySettings({ HTTP_PROXY: "socks5://p:1080" })).toThrow(
      /Input 'HTTP_PROXY': proxy scheme 'socks5:'/,
    );
  });

  it("NO_PROXY: exact hosts, domain suffixes, ports, IPv6, `*`", () => {
    const s = runnerProxySettings({
      HTTPS_PROXY: "http://p:1",
      NO_PROXY: "localhost,.internal.corp,sts.us-west-2.amazonaws.com:443,[::1],10.0.0.5",
    });
    const via = (u: string) => href(proxyFor(new URL(u), s));
    expect(via("https://ec2.us-west-2.amazonaws.com/")).toBe("http://p:1/");
    expect(via("https://localhost:4566/")).toBeUndefined();
    expect(via("https://api.internal.corp/")).toBeUndefined();
    expect(via("https://internal.corp/")).toBeUndefined();
    expect(via("https://notinternal.corp/")).toBe("http://p:1/");
    expect(via("https://sts.us-west-2.amazonaws.com/")).toBeUndefined();
    expect(via("https://sts.us-west-2.amazonaws.com:8443/")).toBe("http://p:1/");
    expect(via("https://[::1]:4566/")).toBeUndefined();
    expect(via("https://10.0.0.5/")).toBeUndefined();
    expect(
      href(proxyFor(new URL("https://any/"), runnerProxySettings({ HTTPS_PROXY: "http://p:1", no_proxy: "*" }))),
    ).toBeUndefined();
  });
});
