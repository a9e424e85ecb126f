/**
 * The `<ts>_<name>.log` evidence file: the last attempt as `curl -si` shows
 * it — status line, headers as received, blank line, body — and, where curl
 * would print an error instead, curl's own words for it.
 */
import { createHash } from "node:crypto";
import type { Exchange, ResponseHead } from "./types";

const TEXTUAL =
  /^(text\/|application\/(json|[\w.+-]*\+json|xml|[\w.+-]*\+xml|javascript|x-www-form-urlencoded|problem\+json))/i;

/**
 * A body is shown as text only when its type is textual (or not given) and it
 * decodes as UTF-8 without NULs; a multi-byte character cut by truncation at
 * the end does not count against it.
 */
export function isBinaryBody(body: Buffer, contentType: string | undefined): boolean {
  if (body.length === 0) return false;
  if (contentType && !TEXTUAL.test(contentType.trim())) return true;
  if (body.includes(0)) return true;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(body, { stream: true });
    return false;
  } catch {
    return true;
  }
}

function head(h: ResponseHead): string {
  const lines = [`HTTP/${h.httpVersion} ${h.status}${h.statusMessage ? ` ${h.statusMessage}` : ""}`];
  for (let i = 0; i + 1 < h.rawHeaders.length; i += 2) lines.push(`${h.rawHeaders[i]}: ${h.rawHeaders[i + 1]}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

function printable(raw: Buffer): string {
  return raw
    .toString("latin1")
    .replace(/[^\x20-\x7e\r\n\t]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export interface LogParts {
  text: string;
  /** The raw body, when it is binary and kept in its own file. */
  binaryBody?: Buffer;
  bodySha256?: string;
}

export function curlLog(ex: Exchange, opts: { maxBodyBytes: number; binaryFileName: string }): LogParts {
  let text = "";
  // curl -si through a proxy prints the proxy's answer to CONNECT first.
  if (ex.proxyConnect) text += head(ex.proxyConnect);
  for (const r of ex.redirects) text += head(r);
  const res = ex.response;
  const out: LogParts = { text: "" };
  if (res) {
    text += head(res);
    const binary = isBinaryBody(res.body, res.headers["content-type"]);
    if (binary) {
      out.binaryBody = res.body;
      out.bodySha256 = createHash("sha256").update(res.body).digest("hex");
      // curl refuses to print binary to a terminal in the same way.
      text +=
        'Warning: Binary output can mess up your terminal. Use "--output -" to tell\n' +
        'Warning: curl to output it to your terminal anyway, or consider "--output\n' +
        'Warning: <FILE>" to save to a file.\n' +
        `[http-evidence-probe] binary body: ${res.body.length} bytes, sha256 ${out.bodySha256}, saved as ${opts.binaryFileName}\n`;
    } else {
      text += res.body.toString("utf8");
    }
    if (res.truncated) {
      const of = res.contentLength !== undefined ? ` of ${res.contentLength} (Content-Length)` : "";
      text += `${text.endsWith("\n") ? "" : "\n"}[http-evidence-probe] body truncated at max-body-bytes=${opts.maxBodyBytes}: kept ${res.body.length} bytes${of}\n`;
    }
  } else if (ex.rawReply && ex.rawReply.length > 0) {
    text += `[http-evidence-probe] the server replied with ${ex.rawReply.length} bytes that are not an HTTP response:\n${printable(ex.rawReply)}\n`;
  }
  if (ex.error) text += `${text === "" || text.endsWith("\n") ? "" : "\n"}${ex.error.message}\n`;
  out.text = text;
  return out;
}
