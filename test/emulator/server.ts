/**
 * The loopback AWS emulator: one HTTP port for every service, routed by the
 * SigV4 credential scope exactly as real clients sign, so the real SDK (via
 * AWS_ENDPOINT_URL) and the AWS CLI (--endpoint-url) talk to it unchanged.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AwsError } from "./errors";
import { type FaultConfig, FaultInjector } from "./faults";
import { credentialScope, decodeQuery, errorResponse, successResponse, type WireResponse } from "./protocol";
import { serviceFactories } from "./services/index";
import type { ConditionContext, Params, RequestContext, RequestLogEntry, Scenario, ServiceModule } from "./types";

export interface EmulatorOptions {
  port?: number;
  host?: string;
  region?: string;
  account?: string;
  /** Multiplies every emulated delay (ALB provisioning, ENI release, deregistration delay). */
  timeScale?: number;
  /** Evaluate every call against the caller's IAM policies. */
  enforce?: boolean;
  /** Latency added to every call, in ms. */
  latencyMs?: number;
  scenario?: Scenario;
  faults?: FaultConfig;
}

const DEFAULT_ACCOUNT = "123456789012";
const SECRET_FIELDS = /^(SecretString|SecretBinary|Password|MasterUserPassword|Value|PrivateKey)$/;

function redact(params: Params): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(params)) {
    if (SECRET_FIELDS.test(k)) out[k] = "<redacted>";
    else if (v && typeof v === "object" && !Array.isArray(v)) out[k] = redact(v);
    else out[k] = v;
  }
  return out;
}

/** The access-denied error of the called service, in the shape and wording it really uses (its module's own). */
export function accessDenied(ctx: RequestContext, iamAction: string, resource: string): AwsError {
  const message = `User: ${ctx.principalArn} is not authorized to perform: ${iamAction} on resource: ${resource}`;
  return ctx.emulator.service(ctx.service).accessDenied(message);
}

export type Authorizer = (
  ctx: RequestContext,
  iamAction: string,
  resources: string[],
  /** Condition keys of this request (see Operation.conditions). */
  conditions: ConditionContext,
  /** Resource policies of `resources`, by ARN (see Operation.resourcePolicies). */
  resourcePolicies?: Record<string, string>,
) => Promise<void> | void;

export class Emulator {
  region: string;
  account: string;
  timeScale: number;
  enforce: boolean;
  latencyMs: number;
  readonly faults = new FaultInjector();
  readonly requests: RequestLogEntry[] = [];
  readonly principals = new Map<string, string>();
  /** Set by the IAM service: decides allow/deny for enforcement mode. */
  authorizer: Authorizer | undefined;
  private readonly modules = new Map<string, ServiceModule>();
  private seq = 0;

  constructor(opts: EmulatorOptions = {}) {
    this.region = opts.region ?? "us-west-2";
    this.account = opts.account ?? DEFAULT_ACCOUNT;
    this.timeScale = opts.timeScale ?? 1;
    this.enforce = opts.enforce ?? false;
    this.latencyMs = opts.latencyMs ?? 0;
    for (const factory of serviceFactories) {
      const module = factory(this);
      this.modules.set(module.signingName, module);
    }
  }

  /** Another service's module, for cross-service effects (ELB ENIs live in EC2, ...). */
  service<T extends ServiceModule>(signingName: string): T {
    const module = this.modules.get(signingName);
    if (!module) throw new Error(`emulator has no service ${signingName}`);
    return module as T;
  }

  /** An emulated delay in wall-clock ms after time scaling. */
  scaled(ms: number): number {
    return Math.max(0, Math.round(ms * this.timeScale));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.scaled(ms)));
  }

  defaultPrincipal(): string {
    return `arn:aws:iam::${this.account}:user/emulator`;
  }

  async reset(): Promise<void> {
    this.requests.length = 0;
    this.seq = 0;
    this.principals.clear();
    this.faults.configure({ rules: [] });
    for (const module of this.modules.values()) await module.reset();
  }

  async loadScenario(scenario: Scenario): Promise<void> {
    for (const [key, arn] of Object.entries(scenario.principals ?? {})) this.principals.set(key, arn);
    if (scenario.enforce !== undefined) this.enforce = scenario.enforce;
    if (scenario.timeScale !== undefined) this.timeScale = scenario.timeScale;
    for (const module of this.modules.values()) await module.loadScenario?.(scenario);
  }

  state(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, module] of this.modules) out[name] = module.snapshot();
    return out;
  }

  /** Resources created through the API and still present, per service (empty = nothing leaked). */
  leftovers(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const [name, module] of this.modules) {
      const created = module.created?.() ?? [];
      if (created.length > 0) out[name] = created;
    }
    return out;
  }

  /** Handles one AWS API request; never throws. `drop`: close the connection without an answer. */
  async handle(req: {
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }): Promise<WireResponse & { drop?: boolean }> {
    const started = Date.now();
    const requestId = randomUUID();
    const authorization = req.headers.authorization;
    const scope = credentialScope(Array.isArray(authorization) ? authorization[0] : authorization);
    if (!scope) {
      return errorResponse(
        "query",
        new AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
        requestId,
      );
    }
    const module = this.modules.get(scope.service);
    if (!module) {
      return errorResponse(
        "query",
        new AwsError("UnknownService", `The emulator does not implement ${scope.service}`, 400),
        requestId,
      );
    }
    let action = "";
    let params: Params = {};
    try {
      if (module.protocol === "json") {
        const target = String(req.headers["x-amz-target"] ?? "");
        action = target.slice(target.indexOf(".") + 1);
        params = req.body ? (JSON.parse(req.body) as Params) : {};
      } else {
        const decoded = decodeQuery(req.body);
        action = decoded.action;
        params = decoded.params;
      }
    } catch {
      return errorResponse(
        module.protocol,
        new AwsError("SerializationException", "Malformed request body"),
        requestId,
        module.xmlns,
      );
    }
    const ctx: RequestContext = {
      emulator: this,
      service: scope.service,
      action,
      region: scope.region,
      account: this.account,
      accessKeyId: scope.accessKeyId,
      principalArn: this.principals.get(scope.accessKeyId) ?? this.defaultPrincipal(),
      requestId,
    };
    let response: WireResponse & { drop?: boolean };
    let code: string | undefined;
    try {
      const operation = Object.hasOwn(module.operations, action) ? module.operations[action] : undefined;
      if (!operation) {
        throw new AwsError(
          module.protocol === "json" ? "UnknownOperationException" : "InvalidAction",
          `The action ${action} is not valid for this web service (emulator: not implemented).`,
        );
      }
      const fault = this.faults.decide(scope.service, action);
      const latency = this.latencyMs + fault.latencyMs;
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      if (fault.error) throw fault.error;
      if (this.enforce && this.authorizer) {
        const resources = operation.resources?.(params, ctx) ?? ["*"];
        const conditions = operation.conditions?.(params, ctx, resources) ?? {};
        const policies = operation.resourcePolicies?.(params, ctx, resources);
        await this.authorizer(ctx, `${module.iamPrefix}:${action}`, resources, conditions, policies);
      }
      const result = await operation.handler(params, ctx);
      response = successResponse(module.protocol, action, result, requestId, module.xmlns);
      if (fault.loseResponse) {
        // Committed, but the caller never learns it: a 500 or a reset connection.
        code = `LostResponse.${fault.loseResponse}`;
        response = {
          ...errorResponse(
            module.protocol,
            new AwsError("InternalFailure", "Injected fault: the call was committed, its response lost", 500),
            requestId,
            module.xmlns,
          ),
          ...(fault.loseResponse === "reset" ? { drop: true } : {}),
        };
      }
    } catch (error) {
      const awsError =
        error instanceof AwsError
          ? error
          : new AwsError("InternalFailure", `emulator bug: ${(error as Error).stack ?? error}`, 500);
      code = awsError.code;
      response = errorResponse(module.protocol, awsError, requestId, module.xmlns);
    }
    const entry: RequestLogEntry = {
      seq: ++this.seq,
      time: new Date(started).toISOString(),
      service: scope.service,
      action,
      principal: ctx.principalArn,
      params: redact(params),
      status: response.status,
      latencyMs: Date.now() - started,
    };
    if (code) entry.code = code;
    this.requests.push(entry);
    return response;
  }

  async stop(): Promise<void> {
    for (const module of this.modules.values()) await module.stop?.();
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value, null, 2));
}

/** The documented control API under /_emulator/. */
async function control(emulator: Emulator, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  const url = new URL(req.url ?? "/", "http://emulator");
  const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
  const json = () => (body.trim() ? JSON.parse(body) : {});
  switch (route) {
    case "GET /_emulator/health":
      return sendJson(res, 200, { ok: true });
    case "POST /_emulator/reset":
      await emulator.reset();
      return sendJson(res, 200, { ok: true });
    case "GET /_emulator/state":
      return sendJson(res, 200, emulator.state());
    case "GET /_emulator/leftovers":
      return sendJson(res, 200, emulator.leftovers());
    case "POST /_emulator/scenario":
      await emulator.loadScenario(json());
      return sendJson(res, 200, { ok: true });
    case "POST /_emulator/faults":
      emulator.faults.configure(json());
      return sendJson(res, 200, { ok: true });
    case "GET /_emulator/faults":
      return sendJson(res, 200, emulator.faults.current());
    case "POST /_emulator/config": {
      const cfg = json() as { timeScale?: number; enforce?: boolean; latencyMs?: number };
      if (cfg.timeScale !== undefined) emulator.timeScale = cfg.timeScale;
      if (cfg.enforce !== undefined) emulator.enforce = cfg.enforce;
      if (cfg.latencyMs !== undefined) emulator.latencyMs = cfg.latencyMs;
      return sendJson(res, 200, {
        timeScale: emulator.timeScale,
        enforce: emulator.enforce,
        latencyMs: emulator.latencyMs,
      });
    }
    case "GET /_emulator/requests": {
      const since = Number(url.searchParams.get("since") ?? 0);
      return sendJson(
        res,
        200,
        emulator.requests.filter((r) => r.seq > since),
      );
    }
    case "DELETE /_emulator/requests":
      emulator.requests.length = 0;
      return sendJson(res, 200, { ok: true });
    default:
      return sendJson(res, 404, { error: `no control route ${route}` });
  }
}

export interface RunningEmulator {
  endpoint: string;
  port: number;
  emulator: Emulator;
  stop(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = new Emulator(opts);
  await emulator.reset();
  if (opts.scenario) await emulator.loadScenario(opts.scenario);
  if (opts.faults) emulator.faults.configure(opts.faults);
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      if ((req.url ?? "").startsWith("/_emulator/")) {
        await control(emulator, req, res, body);
        return;
      }
      const response = await emulator.handle({ headers: req.headers, body });
      if (response.drop) {
        req.socket.destroy();
        return;
      }
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    } catch (error) {
      sendJson(res, 500, { error: String(error) });
    }
  });
  server.keepAliveTimeout = 5_000;
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    emulator,
    async stop() {
      await emulator.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
