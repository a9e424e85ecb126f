import http from "node:http";
import https from "node:https";
import { ConfigurationError, errorMessage } from "../../lib/errors";
import { runnerProxyAgents } from "../../lib/proxy";
import { realSleep, type Sleep } from "../../lib/retry";

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** An address is a few bytes; more means the URL is not a checkip service. */
const MAX_BODY = 4096;

/**
 * One GET, through the runner's proxy when one is set (Node's fetch ignores
 * HTTPS_PROXY, so a runner behind a proxy never reached checkip): the same
 * agents as the AWS clients, NO_PROXY included.
 */
function getText(url: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const secure = target.protocol === "https:";
  const agents = runnerProxyAgents(env);
  const agent = agents ? (secure ? agents.httpsAgent : agents.httpAgent) : undefined;
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).get(target, { ...(agent ? { agent } : {}), timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
        if (body.length > MAX_BODY) res.destroy();
      });
      res.on("close", () => resolve({ status: res.statusCode ?? 0, body: body.slice(0, MAX_BODY) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/**
 * The runner's public egress address as a /32, from a checkip service that
 * answers with the bare address (checkip.amazonaws.com does). Three tries:
 * the service is reliable but the runner's network sometimes is not.
 */
export async function runnerEgressCidr(
  url: string,
  sleep: Sleep = realSleep,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  let last = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) await sleep(500 * attempt);
    try {
      const response = await getText(url, 10_000, env);
      const body = response.body.trim();
      if (response.status < 200 || response.status > 299) {
        last = `HTTP ${response.status}`;
        continue;
      }
      const m = IPV4.exec(body);
      if (!m || m.slice(1).some((o) => Number(o) > 255)) {
        throw new ConfigurationError(
          `The checkip URL ${url} answered '${body.slice(0, 60)}', not an IPv4 address. Set 'checkip-url' to a service that returns the bare address, or set 'ingress-cidrs' explicitly.`,
        );
      }
      return `${body}/32`;
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      last = errorMessage(error);
    }
  }
  throw new ConfigurationError(
    `Could not find the runner's public IP address from ${url} (${last}). Nothing was created. Set 'ingress-cidrs' to explicit CIDRs (a runner behind a proxy or NAT needs its egress range), or point 'checkip-url' at a reachable service.`,
  );
}
