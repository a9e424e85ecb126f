import http from "node:http";
import https from "node:https";
import { ConfigurationError, errorMessage } from "../../lib/errors";
import { runnerProxyAgents } from "../../lib/proxy";
import { done, hopeless, notYet, WaiterState, type WaitSpec, waitFor } from "../../lib/wait";

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

/** How long the runner's address is looked for: a few tries, each with a 10 s answer timeout. */
export const CHECKIP_WAIT: WaitSpec = {
  what: "the runner's public IP address",
  timeoutMs: 15_000,
  minDelayMs: 500,
  maxDelayMs: 2_000,
};
const ANSWER_TIMEOUT_MS = 10_000;

/**
 * The runner's public egress address as a /32, from a checkip service that
 * answers with the bare address (checkip.amazonaws.com does). The service is
 * reliable but the runner's network sometimes is not: a failed request or a
 * non-2xx answer is tried again until the wait's deadline; an answer that is
 * not an IPv4 address ends it at once (the URL is not a checkip service).
 */
export async function runnerEgressCidr(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
  wait: WaitSpec = CHECKIP_WAIT,
): Promise<string> {
  const waited = await waitFor<string>(wait, async () => {
    let response: { status: number; body: string };
    try {
      response = await getText(url, ANSWER_TIMEOUT_MS, env);
    } catch (error) {
      return notYet(errorMessage(error));
    }
    if (response.status < 200 || response.status > 299) return notYet(`HTTP ${response.status}`);
    const body = response.body.trim();
    const m = IPV4.exec(body);
    if (!m || m.slice(1).some((o) => Number(o) > 255)) {
      return hopeless(
        `The checkip URL ${url} answered '${body.slice(0, 60)}', not an IPv4 address. Set 'checkip-url' to a service that returns the bare address, or set 'ingress-cidrs' explicitly.`,
      );
    }
    return done(`${body}/32`);
  });
  if (waited.state === WaiterState.SUCCESS) return waited.value;
  if (waited.state === WaiterState.FAILURE) throw new ConfigurationError(waited.reason);
  throw new ConfigurationError(
    `Could not find the runner's public IP address from ${url} (${waited.reason}). Nothing was created. Set 'ingress-cidrs' to explicit CIDRs (a runner behind a proxy or NAT needs its egress range), or point 'checkip-url' at a reachable service.`,
  );
}
