import { ConfigurationError, errorMessage } from "../../lib/errors";
import { realSleep, type Sleep } from "../../lib/retry";

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The runner's public egress address as a /32, from a checkip service that
 * answers with the bare address (checkip.amazonaws.com does). Three tries:
 * the service is reliable but the runner's network sometimes is not.
 */
export async function runnerEgressCidr(url: string, sleep: Sleep = realSleep): Promise<string> {
  let last = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) await sleep(500 * attempt);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.text()).trim();
      if (!response.ok) {
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
