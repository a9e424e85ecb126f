/**
 * Forward HTTP proxies for self-hosted runners that reach the internet only
 * through one. One NO_PROXY matcher for the suite: http-evidence-probe's
 * curl-style probes and the runner-style agent below (AWS SDK clients, checkip).
 */
import http from "node:http";
import https from "node:https";
import { HttpProxyAgent } from "http-proxy-agent";
import { HttpsProxyAgent } from "https-proxy-agent";
import { InputError } from "./errors";

export interface ProxySettings {
  http?: URL;
  https?: URL;
  /** NO_PROXY entries, lower case: `*`, host names, `.domain` suffixes, IP addresses, each optionally `:port`. */
  noProxy: string[];
}

/** A proxy URL as the environment or an input gives it (`host:port` means http://host:port). */
export function parseProxyUrl(raw: string, source: string, schemes: readonly string[] = ["http:"]): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InputError(source, `'${raw}' is not a proxy URL.`, "Use http://host:port.");
  }
  if (!schemes.includes(url.protocol)) {
    throw new InputError(
      source,
      `proxy scheme '${url.protocol}' is not supported; only ${schemes.map((s) => `${s}//`).join(" and ")} proxies are (https targets are tunnelled with CONNECT).`,
    );
  }
  return url;
}

/** NO_PROXY / no_proxy as a list of lower-case entries. */
export function noProxyEntries(env: NodeJS.ProcessEnv): string[] {
  return (env.no_proxy || env.NO_PROXY || "")
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "");
}

/** A NO_PROXY entry as host and optional port: `host`, `host:port`, `[v6]`, `[v6]:port`, bare `v6`. */
function splitNoProxyEntry(entry: string): { name: string; port?: string } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1] ?? "", ...(bracketed[2] ? { port: bracketed[2] } : {}) };
  if (entry.split(":").length > 2) return { name: entry }; // a bare IPv6 address has no port
  const [name = "", port] = entry.split(/:(?=\d+$)/);
  return { name, ...(port ? { port } : {}) };
}

/** The proxy for this URL, or undefined when it goes direct (no proxy, or NO_PROXY matches). */
export function proxyFor(url: URL, settings: ProxySettings | undefined): URL | undefined {
  if (!settings) return undefined;
  const proxy = url.protocol === "https:" ? settings.https : settings.http;
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const urlPort = url.port || (url.protocol === "https:" ? "443" : "80");
  for (const entry of settings.noProxy) {
    if (entry === "*") return undefined;
    const { name, port } = splitNoProxyEntry(entry);
    if (port !== undefined && port !== urlPort) continue;
    const bare = name.replace(/^\*?\./, "");
    if (host === bare || host.endsWith(`.${bare}`)) return undefined;
  }
  return proxy;
}

export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const creds = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(creds).toString("base64")}`;
}

/** The proxy as shown in logs and evidence: never its password. */
export function shownProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

/**
 * The proxy variables as the Actions runner and @actions/http-client read
 * them (the convention GitHub documents for self-hosted runners behind a
 * proxy): `https_proxy`/`HTTPS_PROXY` for https:// URLs, `http_proxy`/
 * `HTTP_PROXY` for http://, `no_proxy`/`NO_PROXY` for exceptions; lower case
 * first, an empty value counts as unset.
 */
export function runnerProxySettings(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const schemes = ["http:", "https:"];
  const httpsRaw = env.https_proxy || env.HTTPS_PROXY;
  const httpRaw = env.http_proxy || env.HTTP_PROXY;
  const settings: ProxySettings = { noProxy: noProxyEntries(env) };
  if (httpsRaw) settings.https = parseProxyUrl(httpsRaw, env.https_proxy ? "https_proxy" : "HTTPS_PROXY", schemes);
  if (httpRaw) settings.http = parseProxyUrl(httpRaw, env.http_proxy ? "http_proxy" : "HTTP_PROXY", schemes);
  return settings.http || settings.https ? settings : undefined;
}

/**
 * An agent for one scheme that decides per request: NO_PROXY hosts go direct,
 * the rest through the proxy, CONNECT-tunnelled for https://
 * (https-proxy-agent) and as absolute-URI requests for http://
 * (http-proxy-agent). The choice is made synchronously in addRequest, where
 * Node hands every request to its agent: http-proxy-agent rewrites the
 * request path there, before the headers are written. Connections are kept
 * alive and pooled per origin by the chosen agent.
 */
class RunnerProxyAgent extends http.Agent {
  private readonly viaProxy = new Map<string, http.Agent>();
  private readonly direct: http.Agent;

  constructor(
    private readonly settings: ProxySettings,
    private readonly secure: boolean,
  ) {
    super({ keepAlive: true });
    this.direct = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    // ClientRequest checks the agent's protocol against the URL's, and takes
    // the port of a URL without one (every default AWS endpoint) from the agent.
    Object.assign(this, { protocol: secure ? "https:" : "http:", defaultPort: secure ? 443 : 80 });
  }

  private pick(host: string | undefined, port: number | string | undefined): http.Agent {
    const scheme = this.secure ? "https:" : "http:";
    const name = host?.includes(":") && !host.startsWith("[") ? `[${host}]` : (host ?? "localhost");
    const proxy = proxyFor(new URL(`${scheme}//${name}${port ? `:${port}` : ""}`), this.settings);
    if (!proxy) return this.direct;
    let agent = this.viaProxy.get(proxy.href);
    if (!agent) {
      agent = this.secure
        ? new HttpsProxyAgent(proxy, { keepAlive: true })
        : new HttpProxyAgent(proxy, { keepAlive: true });
      this.viaProxy.set(proxy.href, agent);
    }
    return agent;
  }

  addRequest(req: http.ClientRequest, options: { host?: string; hostname?: string; port?: number | string }): void {
    const target = this.pick(options.host ?? options.hostname, options.port) as unknown as {
      addRequest(r: http.ClientRequest, o: unknown): void;
    };
    // agent-base (under both proxy agents) would otherwise guess the scheme from the call stack.
    target.addRequest(req, { ...options, secureEndpoint: this.secure });
  }

  override destroy(): void {
    for (const agent of this.viaProxy.values()) agent.destroy();
    this.direct.destroy();
    super.destroy();
  }
}

export interface ProxyAgents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
  settings: ProxySettings;
}

const agentsByEnv = new Map<string, ProxyAgents>();

/**
 * Agents honouring the runner's proxy variables, or undefined when none is
 * set (callers keep their defaults). One pair per distinct setting, shared by
 * every client of the process so connections to the proxy are reused.
 */
export function runnerProxyAgents(env: NodeJS.ProcessEnv = process.env): ProxyAgents | undefined {
  const settings = runnerProxySettings(env);
  if (!settings) return undefined;
  const key = JSON.stringify([settings.http?.href, settings.https?.href, settings.noProxy]);
  let agents = agentsByEnv.get(key);
  if (!agents) {
    agents = {
      httpAgent: new RunnerProxyAgent(settings, false),
      // For https it hands each request to an https.Agent or a CONNECT tunnel: TLS sockets, as https.Agent does.
      httpsAgent: new RunnerProxyAgent(settings, true) as unknown as https.Agent,
      settings,
    };
    agentsByEnv.set(key, agents);
  }
  return agents;
}
