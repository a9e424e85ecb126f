// What one HTTP exchange produced: shared by the client, the evidence writers and the report.
import type { ProbeError } from "./curl-errors";
import type { ResolveEntry } from "./inputs";
import type { ProxySettings } from "./proxy";
import type { TlsInfo } from "./tls-info";

export type { ProbeError };

export interface Timings {
  /** Milliseconds from the start of the request, as curl's time_namelookup, time_connect, time_appconnect, time_starttransfer, time_total. */
  dns: number | null;
  connect: number | null;
  tls: number | null;
  ttfb: number | null;
  total: number;
}

export interface ResponseHead {
  url: string;
  httpVersion: string;
  status: number;
  statusMessage: string;
  /** Name/value pairs as received (case and order kept, as curl -i prints them). */
  rawHeaders: string[];
}

export interface Exchange {
  url: string;
  /** The address the connection went to (after --resolve or DNS). */
  remoteAddress?: string;
  remotePort?: number;
  /** Redirect responses followed before the last one. */
  redirects: ResponseHead[];
  response?: ResponseHead & {
    headers: Record<string, string>;
    body: Buffer;
    truncated: boolean;
    contentLength?: number;
  };
  /** The proxy the request went through (no credentials), and its answer to CONNECT for https. */
  proxy?: string;
  proxyConnect?: ResponseHead;
  /** The first bytes received, kept when the reply was not HTTP. */
  rawReply?: Buffer;
  error?: ProbeError;
  /** https: the negotiated TLS and the server certificate (also, read by a second handshake, for one that did not verify). */
  tls?: TlsInfo;
  timings: Timings;
}

export interface ExchangeOptions {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBodyBytes: number;
  insecure: boolean;
  /** The CAs https requests trust (default store plus `ca-file`); undefined = Node's default. */
  ca?: string[];
  followRedirects: boolean;
  maxRedirects?: number;
  /** Set by `exchange` on a redirect's hop: a link-local address (the metadata service) is refused. */
  refuseLinkLocal?: boolean;
  resolve: ResolveEntry[];
  proxy?: ProxySettings;
}
