/**
 * Roles and users: the same inline / attached policy operations exist for
 * both (`PutRolePolicy` / `PutUserPolicy`, ...), so they are built once per kind.
 */
import { AwsError } from "../../errors";
import type { Handler, Params } from "../../types";
import { encodeDocument, listPage, roleShape, tagsFrom, userShape } from "./format";
import {
  checkName,
  checkPath,
  checkPolicyDocument,
  type Entity,
  type EntityKind,
  type IamStore,
  policySize,
  TRUST_POLICY_SIZE,
} from "./store";

const NOUN: Record<EntityKind, "Role" | "User"> = { role: "Role", user: "User" };

function checkTrustPolicy(text: unknown): string {
  const doc = checkPolicyDocument(text, "trust");
  if (policySize(doc) > TRUST_POLICY_SIZE) {
    throw new AwsError("LimitExceeded", `Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_SIZE}`, 409);
  }
  return doc;
}

export function createRoleFrom(store: IamStore, params: Params, viaApi: boolean): Entity {
  const fields: Parameters<IamStore["createEntity"]>[1] = {
    name: checkName(params.RoleName, "roleName", 64),
    path: checkPath(params.Path),
    trustPolicy: checkTrustPolicy(params.AssumeRolePolicyDocument),
  };
  if (params.Description !== undefined) fields.description = String(params.Description);
  if (params.MaxSessionDuration !== undefined) {
    const seconds = Number(params.MaxSessionDuration);
    if (!Number.isInteger(seconds) || seconds < 3600 || seconds > 43200) {
      throw new AwsError(
        "ValidationError",
        `1 validation error detected: Value '${params.MaxSessionDuration}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200`,
      );
    }
    fields.maxSessionDuration = seconds;
  }
  return withBoundary(store, params, store.createEntity("role", fields, tagsFrom(params), viaApi));
}

/** `PermissionsBoundary` of CreateRole/CreateUser: a managed policy ARN (unknown → NoSuchEntity, as IAM). */
function withBoundary(store: IamStore, params: Params, entity: Entity): Entity {
  if (params.PermissionsBoundary === undefined) return entity;
  try {
    store.setBoundary(entity, params.PermissionsBoundary);
  } catch (error) {
    store.entities(entity.kind).delete(entity.name.toLowerCase());
    throw error;
  }
  return entity;
}

export function createUserFrom(store: IamStore, params: Params, viaApi: boolean): Entity {
  const fields = { name: checkName(params.UserName, "userName", 64), path: checkPath(params.Path) };
  return withBoundary(store, params, store.createEntity("user", fields, tagsFrom(params), viaApi));
}

function policyHandlers(store: IamStore, kind: EntityKind): Record<string, Handler> {
  const noun = NOUN[kind];
  const nameKey = `${noun}Name`;
  const entity = (p: Params) => store.getEntity(kind, p[nameKey]);
  const inlineName = (p: Params) => checkName(p.PolicyName, "policyName", 128);
  const inline = (e: Entity, name: string): [string, string] => {
    for (const entry of e.inline) if (entry[0] === name) return entry;
    throw new AwsError("NoSuchEntity", `The ${kind} policy with name ${name} cannot be found.`, 404);
  };
  return {
    [`Put${noun}Policy`]: (p) => {
      const e = entity(p);
      store.putInline(e, inlineName(p), checkPolicyDocument(p.PolicyDocument, "identity"));
      return {};
    },
    [`Get${noun}Policy`]: (p) => {
      const e = entity(p);
      const [name, document] = inline(e, inlineName(p));
      return { [nameKey]: e.name, PolicyName: name, PolicyDocument: encodeDocument(document) };
    },
    [`List${noun}Policies`]: (p) => listPage("PolicyNames", [...entity(p).inline.keys()], p, `inline:${kind}`),
    [`Delete${noun}Policy`]: (p) => {
      const e = entity(p);
      e.inline.delete(inline(e, inlineName(p))[0]);
      store.changed();
      return {};
    },
    [`Put${noun}PermissionsBoundary`]: (p) => {
      store.setBoundary(entity(p), p.PermissionsBoundary ?? "");
      return {};
    },
    [`Delete${noun}PermissionsBoundary`]: (p) => {
      const e = entity(p);
      if (!e.permissionsBoundary) {
        throw new AwsError("NoSuchEntity", `The ${kind} ${e.name} does not have a permissions boundary.`, 404);
      }
      store.setBoundary(e, undefined);
      return {};
    },
    [`Attach${noun}Policy`]: (p) => {
      store.attach(entity(p), p.PolicyArn);
      return {};
    },
    [`Detach${noun}Policy`]: (p) => {
      const e = entity(p);
      const arn = String(p.PolicyArn ?? "");
      if (!e.attached.includes(arn)) throw new AwsError("NoSuchEntity", `Policy ${arn} was not found.`, 404);
      e.attached = e.attached.filter((a) => a !== arn);
      store.changed();
      return {};
    },
    [`ListAttached${noun}Policies`]: (p) => {
      const prefix = String(p.PathPrefix ?? "/");
      const attached = [];
      for (const arn of entity(p).attached) {
        const policy = store.policies.get(arn);
        if (policy?.path.startsWith(prefix)) attached.push({ PolicyName: policy.name, PolicyArn: policy.arn });
      }
      return listPage("AttachedPolicies", attached, p, `attached:${kind}`);
    },
    [`Delete${noun}`]: (p) => {
      const e = entity(p);
      if (e.inline.size > 0 || e.attached.length > 0) {
        throw new AwsError("DeleteConflict", "Cannot delete entity, must delete policies first.", 409);
      }
      store.entities(kind).delete(e.name.toLowerCase());
      store.changed();
      return {};
    },
    [`List${noun}s`]: (p) => {
      const prefix = String(p.PathPrefix ?? "/");
      const all = [...store.entities(kind).values()].filter((e) => e.path.startsWith(prefix));
      const shaped = all.map((e) => (kind === "role" ? roleShape(e, false) : userShape(e, false)));
      return listPage(`${noun}s`, shaped, p, `list:${kind}`);
    },
  };
}

export function entityHandlers(store: IamStore): Record<string, Handler> {
  return {
    CreateRole: (p) => ({ Role: roleShape(createRoleFrom(store, p, true)) }),
    GetRole: (p) => ({ Role: roleShape(store.getEntity("role", p.RoleName)) }),
    UpdateAssumeRolePolicy: (p) => {
      const role = store.getEntity("role", p.RoleName);
      role.trustPolicy = checkTrustPolicy(p.PolicyDocument);
      store.changed();
      return {};
    },
    CreateUser: (p) => ({ User: userShape(createUserFrom(store, p, true)) }),
    GetUser: (p, ctx) => {
      if (p.UserName !== undefined) return { User: userShape(store.getEntity("user", p.UserName)) };
      // Without a name IAM describes the caller, which must be a user.
      const caller = /^arn:aws:iam::\d{12}:user(\/(?:.*\/)?)([^/]+)$/.exec(ctx.principalArn);
      if (!caller) {
        throw new AwsError("ValidationError", "Must specify userName when calling with non-User credentials");
      }
      const known = store.entityByArn(ctx.principalArn);
      if (known) return { User: userShape(known) };
      return {
        User: {
          Path: caller[1],
          UserName: caller[2],
          UserId: ctx.accessKeyId,
          Arn: ctx.principalArn,
          CreateDate: new Date(0),
        },
      };
    },
    ...policyHandlers(store, "role"),
    ...policyHandlers(store, "user"),
  };
}
