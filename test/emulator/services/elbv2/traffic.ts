/**
 * Real traffic through an emulated load balancer. There is no DNS on the
 * machine, so each load balancer owns a loopback address (its DNSName) and
 * each HTTP listener really listens on that address and its port, forwarding
 * to the healthy targets of its target group round robin: 503 when none is
 * healthy, 502 when the target refuses or resets, 504 when a security group
 * drops the traffic or the target does not answer within the idle timeout.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { Emulator } from "../../server";
import type { HealthChecker } from "./health";
import type { Listener, LoadBalancer, Target, TargetGroup } from "./model";
import { DEFAULT_SSL_POLICY, SSL_POLICIES, type TlsPolicy } from "./tls";
import { redirectLocation } from "./wire";

/** Addresses taken by load balancers of every emulator in this process. */
const takenAddresses = new Set<string>();

/** A random loopback address in 127.100.0.0 - 127.250.255.255, unique in this process. */
export function allocateAddress(): string {
  for (;;) {
    const [a = 0, b = 0, c = 0] = randomBytes(3);
    const address = `127.${100 + (a % 151)}.${b}.${1 + (c % 254)}`;
    if (!takenAddresses.has(address)) {
      takenAddresses.add(address);
      return address;
    }
  }
}

export function releaseAddress(address: string): void {
  takenAddresses.delete(address);
}

const PAGES: Record<number, string> = {
  502: "502 Bad Gateway",
  503: "503 Service Temporarily Unavailable",
  504: "504 Gateway Time-out",
};

function elbError(res: ServerResponse, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const title = PAGES[status] ?? String(status);
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, {
    server: "awselb/2.0",
    "content-type": "text/html",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
}

export interface TrafficDeps {
  emulator: Emulator;
  health: HealthChecker;
  targetGroup(arn: string): TargetGroup | undefined;
  loadBalancer(arn: string): LoadBalancer | undefined;
  /** The PEM certificate (and chain) and key of an ACM certificate, if it can be served. */
  certificate(arn: string): { cert: string; key: string } | undefined;
}

export class Traffic {
  constructor(private readonly deps: TrafficDeps) {}

  /** Starts listening if the listener's load balancer is active; records a bind failure instead of throwing. */
  async start(listener: Listener): Promise<void> {
    const lb = this.deps.loadBalancer(listener.loadBalancerArn);
    if (lb?.state !== "active" || listener.server) return;
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(listener, req, res);
    let server: Server | HttpsServer;
    if (listener.protocol === "HTTPS") {
      // TLS terminated for real with the listener's ACM certificate, within its security policy's versions and ciphers.
      const material = this.deps.certificate(listener.certificateArn as string);
      const policy = SSL_POLICIES[listener.sslPolicy ?? DEFAULT_SSL_POLICY] as TlsPolicy;
      if (!material) {
        listener.bindError = `certificate ${listener.certificateArn} cannot be served`;
        return;
      }
      server = createHttpsServer(
        {
          cert: material.cert,
          key: material.key,
          minVersion: policy.minVersion,
          maxVersion: policy.maxVersion,
          ...(policy.ciphers ? { ciphers: policy.ciphers, honorCipherOrder: true } : {}),
        },
        handler,
      );
    } else {
      server = createServer(handler);
    }
    listener.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(listener.port, lb.address, () => resolve());
      });
      server.unref();
      delete listener.bindError;
    } catch (error) {
      delete listener.server;
      listener.bindError = `cannot listen on ${lb.address}:${listener.port}: ${(error as NodeJS.ErrnoException).code ?? error}`;
      console.warn(`[aws-emulator] elbv2 listener ${listener.arn}: ${listener.bindError}`);
    }
  }

  async stop(listener: Listener): Promise<void> {
    const server = listener.server;
    if (!server) return;
    delete listener.server;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(listener: Listener, req: IncomingMessage, res: ServerResponse): void {
    const lb = this.deps.loadBalancer(listener.loadBalancerArn);
    const action = listener.actions[0];
    if (!lb || !action) {
      elbError(res, 503);
      return;
    }
    if (action.type === "redirect") {
      req.resume();
      const url = new URL(req.url ?? "/", "http://x");
      const location = redirectLocation(action, {
        protocol: listener.protocol,
        host: (req.headers.host ?? lb.address).replace(/:\d+$/, ""),
        port: listener.port,
        path: url.pathname,
        query: url.search.replace(/^\?/, ""),
      });
      const status = action.statusCode === "HTTP_301" ? 301 : 302;
      const body = `<html>\r\n<head><title>${status} ${status === 301 ? "Moved Permanently" : "Moved Temporarily"}</title></head>\r\n<body>\r\n<center><h1>${status} ${status === 301 ? "Moved Permanently" : "Moved Temporarily"}</h1></center>\r\n</body>\r\n</html>\r\n`;
      res.writeHead(status, {
        server: "awselb/2.0",
        "content-type": "text/html",
        "content-length": Buffer.byteLength(body),
        location,
      });
      res.end(body);
      return;
    }
    if (action.type === "fixed-response") {
      req.resume();
      res.writeHead(Number(action.statusCode), {
        server: "awselb/2.0",
        "content-type": action.contentType ?? "text/plain; charset=utf-8",
      });
      res.end(action.messageBody ?? "");
      return;
    }
    const tg = this.deps.targetGroup(action.targetGroupArn);
    const healthy = tg ? [...tg.targets.values()].filter((t) => t.state === "healthy") : [];
    if (!tg || healthy.length === 0) {
      req.resume();
      elbError(res, 503);
      return;
    }
    const target = healthy[listener.roundRobin++ % healthy.length] as Target;
    this.forward(lb, listener, target, req, res);
  }

  private forward(lb: LoadBalancer, listener: Listener, target: Target, req: IncomingMessage, res: ServerResponse) {
    const idleMs = Number(lb.attributes.get("idle_timeout.timeout_seconds") ?? 60) * 1000;
    if (!this.deps.health.reachable(lb, target.id, target.port)) {
      // A security group drops the packets: the ALB gives up after its connect timeout (10 s).
      req.resume();
      setTimeout(() => elbError(res, 504), this.deps.emulator.scaled(10_000)).unref();
      return;
    }
    const client = req.socket.remoteAddress ?? "";
    const forwardedFor = req.headers["x-forwarded-for"] ? `${req.headers["x-forwarded-for"]}, ${client}` : client;
    const headers = {
      ...req.headers,
      "x-forwarded-for": forwardedFor,
      "x-forwarded-proto": listener.protocol.toLowerCase(),
      "x-forwarded-port": String(listener.port),
      "x-amzn-trace-id": traceId(),
    };
    let answered = false;
    const fail = (status: number) => {
      if (answered) return;
      answered = true;
      elbError(res, status);
    };
    const upstream = request(
      {
        host: target.id,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        localAddress: lb.address,
        agent: false,
        timeout: idleMs,
      },
      (up) => {
        answered = true;
        res.writeHead(up.statusCode ?? 502, up.statusMessage, up.headers);
        up.pipe(res);
        up.on("error", () => res.destroy());
      },
    );
    upstream.on("timeout", () => {
      fail(504);
      upstream.destroy();
    });
    upstream.on("error", () => fail(502));
    req.pipe(upstream);
  }
}
