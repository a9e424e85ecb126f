/**
 * What the probe records of an https connection: the negotiated TLS version
 * and cipher and the server certificate (subject, issuer, validity,
 * fingerprint), as `curl -v` shows them. On a certificate the probe does not
 * trust, a second handshake that sends nothing (never an HTTP request) reads
 * the chain the server presented, so the failure can name the CA to trust.
 */
import tls, { type DetailedPeerCertificate, type PeerCertificate, type TLSSocket } from "node:tls";

export interface TlsInfo {
  /** `TLSv1.3`, `TLSv1.2`, ... */
  version: string | null;
  /** OpenSSL's name of the cipher (`TLS_AES_128_GCM_SHA256`, `ECDHE-ECDSA-AES128-GCM-SHA256`). */
  cipher: string | null;
  /** The server certificate, as distinguished names (`CN=papyrus.example.com`). */
  subject: string | null;
  issuer: string | null;
  subject_alt_names: string | null;
  valid_from: string | null;
  /** When it expires (the certificate's NotAfter, ISO 8601). */
  valid_to: string | null;
  serial: string | null;
  fingerprint256: string | null;
  /** Whether the chain verified against the trusted CAs (and the name matched). */
  verified: boolean;
  /** For an unverified chain: the top certificate's issuer, the CA to trust (`ca-file`). */
  chain_root_issuer?: string | null;
}

/** `{ CN: "a", O: ["b", "c"] }` -> `CN=a,O=b,O=c`. */
function dn(name: PeerCertificate["subject"] | undefined): string | null {
  if (!name) return null;
  const parts = Object.entries(name).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}=${x}`));
  return parts.length > 0 ? parts.join(",") : null;
}

const isoDate = (text: string | undefined) => (text ? new Date(text).toISOString() : null);

export function tlsInfo(socket: TLSSocket, verified: boolean): TlsInfo {
  const cert = socket.getPeerCertificate(false) as PeerCertificate | null;
  const has = cert && Object.keys(cert).length > 0;
  return {
    version: socket.getProtocol() ?? null,
    cipher: socket.getCipher()?.name ?? null,
    subject: has ? dn(cert.subject) : null,
    issuer: has ? dn(cert.issuer) : null,
    subject_alt_names: has ? (cert.subjectaltname ?? null) : null,
    valid_from: has ? isoDate(cert.valid_from) : null,
    valid_to: has ? isoDate(cert.valid_to) : null,
    serial: has ? (cert.serialNumber ?? null) : null,
    fingerprint256: has ? (cert.fingerprint256 ?? null) : null,
    verified,
  };
}

/** The issuer of the last certificate the server sent (its chain's root, or the CA above it). */
function rootIssuer(cert: DetailedPeerCertificate): string | null {
  let current = cert;
  for (let i = 0; i < 10 && current.issuerCertificate && current.issuerCertificate !== current; i++) {
    current = current.issuerCertificate;
  }
  return dn(current.issuer);
}

/**
 * One handshake to `host:port` that accepts any certificate, only to read
 * what the server presents; it is ended as soon as the handshake completes,
 * before a byte of application data. Undefined when it cannot connect.
 */
export function presentedChain(
  host: string,
  port: number,
  servername: string | undefined,
  timeoutMs: number,
): Promise<TlsInfo | undefined> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, ...(servername ? { servername } : {}) });
    const done = (info: TlsInfo | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(info);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once("secureConnect", () => {
      const info = tlsInfo(socket, false);
      info.chain_root_issuer = rootIssuer(socket.getPeerCertificate(true));
      done(info);
    });
    socket.once("error", () => done(undefined));
  });
}

/** The CAs every https request trusts: Node's default store, plus `ca-file` (as NODE_EXTRA_CA_CERTS adds). */
export function trustedCas(extra: string[]): string[] {
  const defaults = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates?.("default");
  return [...(defaults ?? tls.rootCertificates), ...extra];
}
