/**
 * IAM (AWS Query, 2010-05-08): roles, users, inline and managed policies,
 * SimulatePrincipalPolicy evaluated by @cloud-copilot/iam-simulate, and the
 * authorizer behind enforcement mode. See test/emulator/docs/iam.md.
 */

import { queryAccessDenied } from "../errors";
import type { Emulator } from "../server";
import {
  type ConditionContext,
  type Handler,
  operations,
  type Params,
  type RequestContext,
  type Scenario,
  type ServiceModule,
} from "../types";
import { Enforcer } from "./iam/enforce";
import { createRoleFrom, createUserFrom, entityHandlers } from "./iam/entity-handlers";
import { createPolicyFrom, policyHandlers } from "./iam/policy-handlers";
import { simulatePrincipalPolicy } from "./iam/simulate";
import { simulateCustomPolicy } from "./iam/simulate-custom";
import { checkPolicyDocument, documentText, type EntityKind, IamStore } from "./iam/store";

export interface IamScenario {
  roles?: {
    name: string;
    path?: string;
    description?: string;
    trustPolicy: unknown;
    inlinePolicies?: Record<string, unknown>;
    attachedPolicies?: string[];
    /** A managed policy ARN (of `policies` or AWS managed), set as the permissions boundary. */
    permissionsBoundary?: string;
  }[];
  users?: {
    name: string;
    path?: string;
    inlinePolicies?: Record<string, unknown>;
    attachedPolicies?: string[];
    permissionsBoundary?: string;
  }[];
  policies?: { name: string; path?: string; description?: string; document: unknown }[];
  /** How SimulatePrincipalPolicy names matched policies: `documented` (default) or `observed` (evaluate.ts). */
  matchedStatementShape?: "documented" | "observed";
}

function loadIamScenario(store: IamStore, section: IamScenario): void {
  const where = (what: string, error: unknown) =>
    new Error(`scenario iam.${what}: ${error instanceof Error ? error.message : String(error)}`);
  const shape = section.matchedStatementShape;
  if (shape !== undefined) {
    if (shape !== "documented" && shape !== "observed")
      throw new Error(`scenario iam.matchedStatementShape: '${shape}' is neither 'documented' nor 'observed'`);
    store.matchedStatementShape = shape;
  }
  (section.policies ?? []).forEach((p, i) => {
    try {
      const arn = `arn:aws:iam::${store.account()}:policy${p.path ?? "/"}${p.name}`;
      store.policies.delete(arn);
      createPolicyFrom(
        store,
        { PolicyName: p.name, Path: p.path, Description: p.description, PolicyDocument: documentText(p.document) },
        false,
      );
    } catch (error) {
      throw where(`policies[${i}] (${p.name})`, error);
    }
  });
  const entities = [
    ...(section.roles ?? []).map((r) => ["role", r] as const),
    ...(section.users ?? []).map((u) => ["user", u] as const),
  ];
  entities.forEach(([kind, spec], i) => {
    try {
      store.entities(kind as EntityKind).delete(String(spec.name).toLowerCase());
      const entity =
        kind === "role"
          ? createRoleFrom(
              store,
              {
                RoleName: spec.name,
                Path: spec.path,
                Description: "description" in spec ? spec.description : undefined,
                AssumeRolePolicyDocument: documentText("trustPolicy" in spec ? spec.trustPolicy : undefined),
              },
              false,
            )
          : createUserFrom(store, { UserName: spec.name, Path: spec.path }, false);
      for (const [name, doc] of Object.entries(spec.inlinePolicies ?? {})) {
        store.putInline(entity, name, checkPolicyDocument(documentText(doc), "identity"));
      }
      for (const arn of spec.attachedPolicies ?? []) store.attach(entity, arn);
      if (spec.permissionsBoundary !== undefined) store.setBoundary(entity, spec.permissionsBoundary);
    } catch (error) {
      throw where(`${kind}s (${spec.name ?? `#${i}`})`, error);
    }
  });
}

const decoded = (text: string | undefined) => (text === undefined ? undefined : (JSON.parse(text) as unknown));

/** The IAM module; `enforcer` exposes the enforcement cache statistics to tests. */
export interface IamModule extends ServiceModule {
  enforcer: Enforcer;
}

export const createIam = (emulator: Emulator): IamModule => {
  const store = new IamStore(() => emulator.account);
  const handlers: Record<string, Handler> = {
    ...entityHandlers(store),
    ...policyHandlers(store),
    SimulatePrincipalPolicy: (params, ctx) => simulatePrincipalPolicy(store, params, ctx),
    SimulateCustomPolicy: (params, ctx) => simulateCustomPolicy(store, params, ctx),
  };
  const enforcer = new Enforcer(emulator, store);
  emulator.authorizer = enforcer.authorize;

  const roleArn = (name: unknown, path?: unknown) =>
    store.findEntity("role", String(name ?? ""))?.arn ??
    store.entityArn("role", String(name ?? ""), String(path ?? "/"));
  const userArn = (name: unknown, path?: unknown) =>
    store.findEntity("user", String(name ?? ""))?.arn ??
    store.entityArn("user", String(name ?? ""), String(path ?? "/"));

  /** The resource IAM authorises each call against: the role, user or policy it names. */
  const resourceArns = (action: string, params: Params, ctx: RequestContext): string[] => {
    if (action === "SimulatePrincipalPolicy") return [String(params.PolicySourceArn ?? "*")];
    if (params.RoleName !== undefined) return [roleArn(params.RoleName, params.Path)];
    if (params.UserName !== undefined) return [userArn(params.UserName, params.Path)];
    if (action === "GetUser") return [ctx.principalArn];
    if (action === "CreatePolicy") {
      return [`arn:aws:iam::${ctx.account}:policy${String(params.Path ?? "/")}${String(params.PolicyName ?? "")}`];
    }
    if (params.PolicyArn !== undefined) return [String(params.PolicyArn)];
    return ["*"];
  };

  /** Request tags, the tags of the role/user named, and iam:PolicyARN for attachments. */
  const conditionContext = (action: string, params: Params, ctx: RequestContext): ConditionContext => {
    const request: Record<string, string | string[]> = {};
    const tags = Array.isArray(params.Tags) ? (params.Tags as Params[]) : [];
    for (const t of tags) request[`aws:RequestTag/${t.Key}`] = String(t.Value ?? "");
    if (tags.length > 0) request["aws:TagKeys"] = tags.map((t) => String(t.Key));
    if (/^(Attach|Detach)(Role|User)Policy$/.test(action)) request["iam:PolicyARN"] = String(params.PolicyArn ?? "");
    // The boundary a create or Put*PermissionsBoundary sets (Service Authorization Reference, IAM condition keys).
    if (params.PermissionsBoundary !== undefined)
      request["iam:PermissionsBoundary"] = String(params.PermissionsBoundary);
    const named =
      params.RoleName !== undefined
        ? store.findEntity("role", String(params.RoleName))
        : params.UserName !== undefined
          ? store.findEntity("user", String(params.UserName))
          : undefined;
    const perResource: Record<string, Record<string, string>> = {};
    const [resource] = resourceArns(action, params, ctx);
    if (named && resource && named.tags.length > 0) {
      perResource[resource] = Object.fromEntries(
        named.tags.flatMap((t) => [
          [`aws:ResourceTag/${t.Key}`, t.Value],
          [`iam:ResourceTag/${t.Key}`, t.Value],
        ]),
      );
    }
    return { request, perResource };
  };

  return {
    enforcer,
    signingName: "iam",
    protocol: "query",
    xmlns: "https://iam.amazonaws.com/doc/2010-05-08/",
    iamPrefix: "iam",
    accessDenied: queryAccessDenied,
    // IAM authorizes every operation on the entity it names (role, user, policy; SimulatePrincipalPolicy on its
    // PolicySourceArn), so one rule serves every record.
    operations: operations(
      handlers,
      Object.fromEntries(
        Object.keys(handlers).map((action) => [
          action,
          {
            resources: (params: Params, ctx: RequestContext) => resourceArns(action, params, ctx),
            conditions: (params: Params, ctx: RequestContext) => conditionContext(action, params, ctx),
          },
        ]),
      ),
    ),
    reset() {
      store.reset();
    },
    loadScenario(scenario: Scenario) {
      if (scenario.iam) loadIamScenario(store, scenario.iam as IamScenario);
    },
    snapshot: () => ({
      roles: [...store.roles.values()].map((r) => ({
        name: r.name,
        arn: r.arn,
        path: r.path,
        trustPolicy: decoded(r.trustPolicy),
        inlinePolicies: Object.fromEntries([...r.inline].map(([n, d]) => [n, decoded(d)])),
        attachedPolicies: r.attached,
        permissionsBoundary: r.permissionsBoundary,
      })),
      users: [...store.users.values()].map((u) => ({
        name: u.name,
        arn: u.arn,
        path: u.path,
        inlinePolicies: Object.fromEntries([...u.inline].map(([n, d]) => [n, decoded(d)])),
        attachedPolicies: u.attached,
      })),
      policies: [...store.policies.values()]
        .filter((p) => !p.awsManaged)
        .map((p) => ({
          name: p.name,
          arn: p.arn,
          defaultVersionId: p.defaultVersionId,
          document: decoded(store.defaultDocument(p)),
        })),
    }),
    created: () => [
      ...[...store.roles.values(), ...store.users.values()].filter((e) => e.viaApi).map((e) => e.arn),
      ...[...store.policies.values()].filter((p) => p.viaApi).map((p) => p.arn),
    ],
  };
};
