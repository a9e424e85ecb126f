/**
 * One HTTP exchange measured the way `curl -w` reports it, with Node's own
 * http/https (no dependency, so behaviour behind odd proxies and TLS setups is
 * Node's, documented and predictable). Never throws: every failure (DNS,
 * refused, timeout, TLS, reset, a reply that is not HTTP) comes back as data,
 * so the caller can write evidence before deciding anything.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import tls, { type PeerCertificate, type TLSSocket } from "node:tls";
import { VERSION } from "../../lib/version";
import { curlError, LINK_LOCAL_REFUSED, linkLocalRefused } from "./curl-errors";
import type { ResolveEntry } from "./inputs";
import { openTunnel, proxyAuthorization, proxyFor, shownProxy } from "./proxy";
import { presentedChain, type TlsInfo, tlsInfo } from "./tls-info";
import type { Exchange, ExchangeOptions, ResponseHead, Timings } from "./types";

const RAW_KEEP = 4096;
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

function defaultPort(url: URL): number {
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}

/** curl's --resolve: the first entry for this host and port (or `*`). */
export function resolvedAddress(url: URL, entries: ResolveEntry[]): string | undefined {
  const host = bareHost(url).toLowerCase();
  const port = String(defaultPort(url));
  return entries.find((e) => e.host === host && (e.port === "*" || e.port === port))?.address;
}

function headerMap(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = (raw[i] as string).toLowerCase();
    out[k] = out[k] === undefined ? (raw[i + 1] as string) : `${out[k]}, ${raw[i + 1]}`;
  }
  return out;
}

type OneHop = Omit<Exchange, "redirects">;

async function exchangeOnce(url: URL, opts: ExchangeOptions): Promise<OneHop> {
  const start = performance.now();
  const since = () => Math.round((performance.now() - start) * 10) / 10;
  const timings: Timings = { dns: null, connect: null, tls: null, ttfb: null, total: 0 };
  const host = bareHost(url);
  const port = defaultPort(url);
  const via = proxyFor(url, opts.proxy);
  // Through a proxy the proxy resolves the name, as with curl: --resolve does not apply.
  const pinned = via ? undefined : resolvedAddress(url, opts.resolve);
  // Connect to the pinned address itself (not the name): DNS is skipped, as with
  // curl --resolve, while Host and the TLS server name stay the URL's host.
  const connectHost = pinned ?? host;
  const isHttps = url.protocol === "https:";
  if (opts.refuseLinkLocal && !via && linkLocal(connectHost)) {
    timings.total = since();
    return { url: url.href, timings, error: linkLocalRefused(host, connectHost) };
  }
  const headers: Record<string, string> = {
    Host: url.host,
    "User-Agent": `ecs-alb-smoke-http-evidence-probe/${VERSION}`,
    Accept: "*/*",
    ...opts.headers,
  };
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.Authorization ??= `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
  }
  if (opts.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(opts.body));
  // Plain http through a proxy: the request line carries the absolute URL (never its credentials).
  const forward = via !== undefined && !isHttps;
  const proxyAuth = via ? proxyAuthorization(via) : undefined;
  if (forward && proxyAuth) headers["Proxy-Authorization"] = proxyAuth;

  const options: https.RequestOptions = {
    host: forward ? bareHost(via) : connectHost,
    port: forward ? Number(via.port || 80) : port,
    method: opts.method,
    path: forward ? `${url.protocol}//${url.host}${url.pathname}${url.search}` : `${url.pathname}${url.search}`,
    headers,
    agent: false,
    setHost: false,
    lookup: (hostname, lookupOpts, callback) => {
      dnsLookup(hostname, lookupOpts, (lookupError, address, family) => {
        timings.dns = since();
        let err = lookupError;
        const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
        const refused = opts.refuseLinkLocal && !err ? addresses.find((a) => linkLocal(a)) : undefined;
        if (refused) err = Object.assign(new Error("link-local"), { code: LINK_LOCAL_REFUSED, address: refused });
        (callback as (e: NodeJS.ErrnoException | null, a: string | LookupAddress[], f?: number) => void)(
          err,
          address,
          family,
        );
      });
    },
  };
  if (isHttps) {
    if (isIP(host) === 0) options.servername = host;
    options.rejectUnauthorized = !opts.insecure;
    options.checkServerIdentity = (_name: string, cert: PeerCertificate) => tls.checkServerIdentity(host, cert);
    if (opts.ca) options.ca = opts.ca;
  }
  const base: Pick<OneHop, "proxy" | "proxyConnect"> = {};
  // Destroying the TLS socket leaves the tunnel's TCP socket open (and the process alive): close both.
  let tunnelSocket: Socket | undefined;
  if (via) base.proxy = shownProxy(via);
  if (via && isHttps) {
    const tunnel = await openTunnel(via, `${url.hostname}:${port}`, opts.timeoutMs, () => {
      timings.connect ??= since();
    });
    if (tunnel.head) base.proxyConnect = tunnel.head;
    if ("error" in tunnel) {
      timings.total = since();
      const ctx = {
        host,
        port,
        ms: timings.total,
        bytes: 0,
        connected: tunnel.connected,
        raw: Buffer.alloc(0),
        proxy: via,
      };
      return { url: url.href, timings, ...base, error: curlError(tunnel.error, ctx) };
    }
    const { socket } = tunnel;
    tunnelSocket = socket;
    options.createConnection = () =>
      tls.connect({
        socket,
        ...(options.servername ? { servername: options.servername } : {}),
        rejectUnauthorized: !opts.insecure,
        checkServerIdentity: options.checkServerIdentity as NonNullable<typeof options.checkServerIdentity>,
        ...(opts.ca ? { ca: opts.ca } : {}),
      });
  }
  const timeLeft = Math.max(1, opts.timeoutMs - (performance.now() - start));
  let negotiated: TlsInfo | undefined;

  const hop = await new Promise<OneHop>((resolve) => {
    let raw: Buffer = Buffer.alloc(0);
    let bytes = 0;
    // Through a CONNECT tunnel the TCP connection already stands.
    let connected = tunnelSocket !== undefined;
    let settled = false;
    let socket: Socket | undefined;
    let response: OneHop["response"];
    const finish = (error?: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      timings.total = since();
      timings.dns ??= isIP(connectHost) !== 0 ? 0 : null;
      const hop: OneHop = { url: url.href, timings, ...base };
      if (socket?.remoteAddress) hop.remoteAddress = socket.remoteAddress;
      else if (isIP(connectHost) !== 0) hop.remoteAddress = connectHost;
      hop.remotePort = socket?.remotePort ?? port;
      if (response) hop.response = response;
      if (negotiated) hop.tls = negotiated;
      if (error) {
        // A parse error fires before other 'data' listeners see the chunk; Node attaches it.
        const packet = (error as { rawPacket?: unknown }).rawPacket;
        if (raw.length === 0 && Buffer.isBuffer(packet)) raw = packet.subarray(0, RAW_KEEP);
        hop.error = curlError(error, {
          host,
          port,
          ms: timings.total,
          bytes,
          connected,
          raw,
          ...(via ? { proxy: via } : {}),
        });
        if (error.code?.startsWith("HPE_") || (!response && raw.length > 0)) hop.rawReply = raw;
      }
      req.destroy();
      tunnelSocket?.destroy();
      resolve(hop);
    };
    let req: http.ClientRequest;
    try {
      req = (isHttps ? https : http).request(options);
    } catch (error) {
      // Node refuses some requests before any I/O (an invalid header value, say): still data, not a crash.
      timings.total = since();
      resolve({
        url: url.href,
        timings,
        ...base,
        error: curlError(error as NodeJS.ErrnoException, { host, port, ms: 0, bytes: 0, connected: false, raw }),
      });
      return;
    }
    const timer = setTimeout(() => {
      finish(Object.assign(new Error("timeout"), { code: "TIMEOUT" }));
    }, timeLeft);
    req.on("socket", (s: Socket) => {
      socket = s;
      s.on("lookup", () => {
        timings.dns ??= since();
      });
      s.on("connect", () => {
        connected = true;
        timings.connect ??= since();
      });
      s.on("secureConnect", () => {
        timings.tls = since();
        negotiated = tlsInfo(s as TLSSocket, (s as TLSSocket).authorized);
      });
      s.on("data", (chunk: Buffer) => {
        timings.ttfb ??= since();
        bytes += chunk.length;
        if (raw.length < RAW_KEEP) raw = Buffer.concat([raw, chunk.subarray(0, RAW_KEEP - raw.length)]);
      });
    });
    req.on("error", (error) => finish(error));
    req.on("response", (res: IncomingMessage) => {
      timings.ttfb ??= since();
      const contentLength = Number(res.headers["content-length"]);
      const chunks: Buffer[] = [];
      let kept = 0;
      response = {
        url: url.href,
        httpVersion: res.httpVersion,
        status: res.statusCode ?? 0,
        statusMessage: res.statusMessage ?? "",
        rawHeaders: res.rawHeaders,
        headers: headerMap(res.rawHeaders),
        body: Buffer.alloc(0),
        truncated: false,
      };
      if (Number.isFinite(contentLength)) response.contentLength = contentLength;
      const current = response;
      res.on("data", (chunk: Buffer) => {
        const room = opts.maxBodyBytes - kept;
        if (chunk.length > room) {
          if (room > 0) chunks.push(chunk.subarray(0, room));
          kept += Math.max(0, room);
          current.truncated = true;
          current.body = Buffer.concat(chunks);
          finish();
          return;
        }
        chunks.push(chunk);
        kept += chunk.length;
      });
      res.on("end", () => {
        current.body = Buffer.concat(chunks);
        finish();
      });
      res.on("aborted", () => {
        current.body = Buffer.concat(chunks);
        finish(Object.assign(new Error("aborted"), { code: "ABORTED" }));
      });
      res.on("error", (error) => {
        current.body = Buffer.concat(chunks);
        finish(error);
      });
    });
    req.end(opts.body);
  });
  if (isHttps && !via && hop.error && CERTIFICATE_REFUSED.has(hop.error.code)) {
    await explainCertificate(hop, connectHost, port, options.servername, Math.min(5_000, opts.timeoutMs));
  }
  return hop;
}

/** Certificate failures a look at the presented chain can explain. */
const CERTIFICATE_REFUSED = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * A refused certificate, explained: which CA the chain ends at (to trust with
 * `ca-file`) or which names the certificate is for, read by a handshake that
 * sends nothing; the certificate also goes into the evidence (`tls`).
 */
async function explainCertificate(
  hop: OneHop,
  address: string,
  port: number,
  servername: string | undefined,
  timeoutMs: number,
): Promise<void> {
  const seen = await presentedChain(address, port, servername, timeoutMs);
  const error = hop.error;
  if (!seen || !error) return;
  hop.tls = seen;
  error.hint =
    error.code === "ERR_TLS_CERT_ALTNAME_INVALID"
      ? `the certificate is for ${seen.subject_alt_names ?? seen.subject ?? "no name"}: ask for one of those names, with 'resolve' pointing it at this address`
      : `the server's chain ends at a certificate issued by '${seen.chain_root_issuer ?? seen.issuer ?? "?"}', which is not trusted: give that CA's certificate as 'ca-file'`;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/**
 * Link-local addresses, where the instance metadata service answers (169.254.169.254, fd00:ec2::254; Azure's and
 * GCP's are link-local too). A redirect the app chose never goes there: on a self-hosted runner its answer (the
 * instance role's credentials, with IMDSv1) would be written to the evidence and uploaded.
 */
export function linkLocal(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, "");
  if (isIP(a) === 4) return a.startsWith("169.254.");
  if (isIP(a) === 6) return /^fe[89ab][0-9a-f]:/.test(a) || a === "fd00:ec2::254";
  return false;
}

/** Header names whose values are credentials: masked as secrets, and never sent on to another origin. */
export const SENSITIVE_HEADER =
  /^(authorization|proxy-authorization|cookie|x-api-key|x-auth-token)$|token|secret|password/i;

const sameOrigin = (a: URL, b: URL) => a.protocol === b.protocol && a.host === b.host;

function withoutSecrets(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !SENSITIVE_HEADER.test(name)));
}

/** One request and, with followRedirects, its redirects (like curl -L, up to maxRedirects). */
export async function exchange(url: URL, opts: ExchangeOptions): Promise<Exchange> {
  const redirects: ResponseHead[] = [];
  const max = opts.maxRedirects ?? 10;
  let current = url;
  let hopOpts = opts;
  const started = performance.now();
  for (;;) {
    const hop = await exchangeOnce(current, hopOpts);
    const res = hop.response;
    const location = res?.headers.location;
    if (!opts.followRedirects || !res || !REDIRECT.has(res.status) || location === undefined) {
      if (redirects.length > 0) hop.timings.total = Math.round((performance.now() - started) * 10) / 10;
      return { ...hop, redirects };
    }
    if (redirects.length >= max) {
      return {
        ...hop,
        redirects,
        error: { code: "TOO_MANY_REDIRECTS", curlExit: 47, message: `curl: (47) Maximum (${max}) redirects followed` },
      };
    }
    redirects.push({
      url: res.url,
      httpVersion: res.httpVersion,
      status: res.status,
      statusMessage: res.statusMessage,
      rawHeaders: res.rawHeaders,
    });
    current = new URL(location, current);
    // Credentials stay with the origin they were given for: curl drops Authorization and Cookie when a redirect
    // changes the host, the port or the scheme (CVE-2022-27776; --location-trusted keeps them). The probe drops
    // every header it treats as a secret, X-Api-Key and the like too, since the app decides where it redirects.
    hopOpts = {
      ...hopOpts,
      headers: sameOrigin(current, url) ? (opts.headers ?? {}) : withoutSecrets(opts.headers),
      refuseLinkLocal: true,
    };
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && opts.method === "POST")) {
      const { body: _body, ...rest } = hopOpts;
      hopOpts = { ...rest, method: "GET" };
    }
  }
}
