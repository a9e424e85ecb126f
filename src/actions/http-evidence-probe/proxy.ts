/**
 * HTTP proxies the way curl uses them, for self-hosted runners that reach the
 * internet only through one: `http_proxy` (lower case only: curl ignores
 * HTTP_PROXY, the "httpoxy" precaution) for http:// URLs, `HTTPS_PROXY` /
 * `https_proxy` for https:// (tunnelled with CONNECT), `ALL_PROXY` as the
 * fallback, `NO_PROXY` for exceptions; or one proxy for everything (`-x`).
 */
import http, { type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { noProxyEntries, type ProxySettings, parseProxyUrl, proxyAuthorization, shownProxy } from "../../lib/proxy";
import type { ResponseHead } from "./types";

// The NO_PROXY matcher and proxy URL parsing are shared with the AWS clients and checkip (src/lib/proxy.ts).
export { type ProxySettings, proxyAuthorization, proxyFor, shownProxy } from "../../lib/proxy";

/**
 * The `proxy` input: empty = the environment as curl reads it, `none` = no
 * proxy at all, a URL = that proxy for every request (NO_PROXY still applies).
 */
export function readProxySettings(input: string, value: string, env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const noProxy = noProxyEntries(env);
  if (value === "none") return undefined;
  if (value !== "") {
    const url = parseProxyUrl(value, input);
    return { http: url, https: url, noProxy };
  }
  const all = env.ALL_PROXY ?? env.all_proxy;
  const httpRaw = env.http_proxy ?? all;
  const httpsRaw = env.HTTPS_PROXY ?? env.https_proxy ?? all;
  const settings: ProxySettings = { noProxy };
  if (httpRaw) settings.http = parseProxyUrl(httpRaw, "http_proxy (environment)");
  if (httpsRaw) settings.https = parseProxyUrl(httpsRaw, "HTTPS_PROXY (environment)");
  return settings.http || settings.https ? settings : undefined;
}

export type TunnelResult =
  | { socket: Socket; head: ResponseHead }
  | { error: NodeJS.ErrnoException; head?: ResponseHead; connected: boolean };

/** `CONNECT host:port` through the proxy; the proxy's answer is kept (curl -si prints it too). */
export function openTunnel(
  proxy: URL,
  target: string,
  timeoutMs: number,
  onConnect: () => void,
): Promise<TunnelResult> {
  return new Promise((resolve) => {
    let connected = false;
    const headers: Record<string, string> = { Host: target };
    const auth = proxyAuthorization(proxy);
    if (auth) headers["Proxy-Authorization"] = auth;
    const req = http.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ""),
      port: Number(proxy.port || 80),
      method: "CONNECT",
      path: target,
      headers,
      agent: false,
    });
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })),
      Math.max(1, timeoutMs),
    );
    req.on("socket", (s: Socket) =>
      s.on("connect", () => {
        connected = true;
        onConnect();
      }),
    );
    req.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error, connected });
    });
    req.on("connect", (res: IncomingMessage, socket: Socket) => {
      clearTimeout(timer);
      const head: ResponseHead = {
        url: `${shownProxy(proxy)} CONNECT ${target}`,
        httpVersion: res.httpVersion,
        status: res.statusCode ?? 0,
        statusMessage: res.statusMessage ?? "",
        rawHeaders: res.rawHeaders,
      };
      if (head.status !== 200) {
        socket.destroy();
        const error = Object.assign(new Error(`CONNECT tunnel failed, response ${head.status}`), {
          code: "PROXY_CONNECT_FAILED",
        });
        resolve({ error, head, connected });
        return;
      }
      resolve({ socket, head });
    });
    req.end();
  });
}
