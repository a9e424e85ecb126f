/**
 * Node's network and TLS errors in curl's words and exit codes, so the
 * evidence reads like the team's old `curl -si` logs and a reviewer can look
 * the code up in curl's documentation.
 */

export interface ProbeError {
  /** Node's code (ECONNREFUSED, ENOTFOUND, DEPTH_ZERO_SELF_SIGNED_CERT, HPE_INVALID_CONSTANT) or TIMEOUT. */
  code: string;
  /** The exit code curl gives for the same failure (7 refused, 28 timeout, 60 certificate ...). */
  curlExit: number;
  /** What curl prints for it, e.g. `curl: (7) Failed to connect to 127.0.0.1 port 5000 after 0 ms: Couldn't connect to server`. */
  message: string;
  /** What to do, where the suite can tell more than curl does (a refused certificate's CA); never in the `.log`. */
  hint?: string;
}

const CERT_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** A redirect to a link-local address (the instance metadata service), refused before any connection. */
export const LINK_LOCAL_REFUSED = "LINK_LOCAL_REFUSED";

export function linkLocalRefused(host: string, address: string): ProbeError {
  return {
    code: LINK_LOCAL_REFUSED,
    curlExit: 7,
    message: `refused to follow a redirect to ${host} (${address}): a link-local address, where the instance metadata service answers, is never followed`,
  };
}

export function curlError(
  error: NodeJS.ErrnoException & { reason?: string },
  ctx: { host: string; port: number; ms: number; bytes: number; connected: boolean; raw: Buffer; proxy?: URL },
): ProbeError {
  const code = error.code ?? "UNKNOWN";
  // Through a proxy, the only connection this side makes is to the proxy.
  const peer = ctx.proxy ? ctx.proxy.hostname.replace(/^\[|\]$/g, "") : ctx.host;
  const peerPort = ctx.proxy ? Number(ctx.proxy.port || 80) : ctx.port;
  const ms = Math.round(ctx.ms);
  if (code === "TIMEOUT") {
    return {
      code,
      curlExit: 28,
      message: ctx.connected
        ? `curl: (28) Operation timed out after ${ms} milliseconds with ${ctx.bytes} bytes received`
        : `curl: (28) Connection timed out after ${ms} milliseconds`,
    };
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME" || code === "EAI_FAIL") {
    if (ctx.proxy) return { code, curlExit: 5, message: `curl: (5) Could not resolve proxy: ${peer}` };
    return { code, curlExit: 6, message: `curl: (6) Could not resolve host: ${ctx.host}` };
  }
  const connectFail = `curl: (7) Failed to connect to ${peer} port ${peerPort} after ${ms} ms`;
  if (code === "ECONNREFUSED") return { code, curlExit: 7, message: `${connectFail}: Couldn't connect to server` };
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "EADDRNOTAVAIL") {
    return { code, curlExit: 7, message: `${connectFail}: No route to host` };
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return {
      code,
      curlExit: 60,
      message: `curl: (60) SSL: no alternative certificate subject name matches target host name '${ctx.host}'`,
    };
  }
  if (CERT_CODES.has(code)) {
    const problem = code === "DEPTH_ZERO_SELF_SIGNED_CERT" ? "self-signed certificate" : error.message;
    return { code, curlExit: 60, message: `curl: (60) SSL certificate problem: ${problem}` };
  }
  if (code.startsWith("ERR_SSL") || code === "EPROTO" || code.startsWith("ERR_TLS")) {
    return { code, curlExit: 35, message: `curl: (35) TLS connect error: ${error.reason ?? error.message}` };
  }
  if (code.startsWith("HPE_")) {
    const looksHttp = ctx.raw.subarray(0, 5).toString("latin1") === "HTTP/";
    return looksHttp
      ? { code, curlExit: 8, message: "curl: (8) Weird server reply" }
      : { code, curlExit: 1, message: "curl: (1) Received HTTP/0.9 when not allowed" };
  }
  if (code === "ECONNRESET") {
    if (ctx.bytes === 0 && error.message === "socket hang up") {
      return { code, curlExit: 52, message: "curl: (52) Empty reply from server" };
    }
    return { code, curlExit: 56, message: "curl: (56) Recv failure: Connection reset by peer" };
  }
  if (code === LINK_LOCAL_REFUSED) return linkLocalRefused(ctx.host, (error as { address?: string }).address ?? "");
  if (code === "ERR_STREAM_PREMATURE_CLOSE" || code === "ABORTED") {
    return { code, curlExit: 18, message: `curl: (18) transfer closed with outstanding read data remaining` };
  }
  return { code, curlExit: 56, message: `curl: (56) ${error.message}` };
}
