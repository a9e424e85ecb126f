/**
 * IAM's state: roles, users, their inline and attached policies, and managed
 * policies with versions. Every change bumps `version`, which is how the
 * enforcement caches know to recompile.
 */
import { randomBytes } from "node:crypto";
import { validateIdentityPolicy, validateTrustPolicy } from "@cloud-copilot/iam-policy";
import { AwsError } from "../../errors";
import { AWS_MANAGED_POLICIES } from "./aws-managed";
import type { MatchedStatementShape } from "./evaluate";

export type EntityKind = "role" | "user";

export interface Tag {
  Key: string;
  Value: string;
}

export interface Entity {
  kind: EntityKind;
  name: string;
  path: string;
  id: string;
  arn: string;
  createDate: Date;
  /** Roles only: the trust policy text as given. */
  trustPolicy?: string;
  description?: string;
  maxSessionDuration?: number;
  tags: Tag[];
  /** Inline policies: name -> document text as given (insertion order kept). */
  inline: Map<string, string>;
  /** ARNs of attached managed policies, in attachment order. */
  attached: string[];
  /** The managed policy set as permissions boundary (PermissionsBoundary on create, Put*PermissionsBoundary). */
  permissionsBoundary?: string;
  /** Created through the API (not by a scenario): counted as a leftover. */
  viaApi: boolean;
}

export interface PolicyVersion {
  versionId: string;
  document: string;
  createDate: Date;
}

export interface ManagedPolicy {
  name: string;
  path: string;
  arn: string;
  id: string;
  description?: string;
  createDate: Date;
  updateDate: Date;
  defaultVersionId: string;
  versions: PolicyVersion[];
  nextVersion: number;
  awsManaged: boolean;
  tags: Tag[];
  viaApi: boolean;
}

// IAM quotas (defaults) that the emulator enforces with AWS's LimitExceeded.
export const INLINE_POLICY_QUOTA: Record<EntityKind, number> = { role: 10_240, user: 2_048 };
export const MANAGED_POLICY_SIZE = 6_144;
export const ATTACHED_POLICIES_QUOTA = 10;
export const TRUST_POLICY_SIZE = 2_048;
export const POLICY_VERSIONS_QUOTA = 5;

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export function iamId(prefix: string): string {
  let out = prefix;
  for (const b of randomBytes(17)) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return out;
}

const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/;

/** AWS's own wording for a request-shape violation (smithy validation). */
function constraint(value: string, field: string, rule: string): AwsError {
  return new AwsError(
    "ValidationError",
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${rule}`,
  );
}

export function checkName(value: unknown, field: string, max: number): string {
  if (typeof value !== "string" || value === "") {
    throw constraint(String(value ?? "null"), field, "Member must not be null");
  }
  if (value.length > max) throw constraint(value, field, `Member must have length less than or equal to ${max}`);
  if (!NAME.test(value)) throw constraint(value, field, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
  return value;
}

export function checkPath(value: unknown): string {
  if (value === undefined || value === "") return "/";
  const path = String(value);
  if (path.length > 512 || !PATH.test(path)) {
    throw new AwsError(
      "ValidationError",
      `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`,
    );
  }
  return path;
}

/** Characters IAM counts against size quotas: everything but whitespace. */
export const policySize = (text: string) => text.replace(/\s/g, "").length;

/** Parses and validates a policy document as IAM does on Put/Create. */
export function checkPolicyDocument(text: unknown, kind: "identity" | "trust"): string {
  if (typeof text !== "string" || text.trim() === "") {
    throw new AwsError("MalformedPolicyDocument", "Syntax errors in policy.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AwsError("MalformedPolicyDocument", "This policy contains invalid Json");
  }
  const errors = kind === "trust" ? validateTrustPolicy(parsed) : validateIdentityPolicy(parsed);
  const first = errors[0];
  if (first) throw new AwsError("MalformedPolicyDocument", `${first.message} (at ${first.path})`);
  return text;
}

/** A scenario may give a document as an object or as text. */
export const documentText = (doc: unknown): string => (typeof doc === "string" ? doc : JSON.stringify(doc, null, 2));

export class IamStore {
  version = 0;
  /** How SimulatePrincipalPolicy names matched policies (scenario `iam.matchedStatementShape`; see evaluate.ts). */
  matchedStatementShape: MatchedStatementShape = "documented";
  readonly roles = new Map<string, Entity>();
  readonly users = new Map<string, Entity>();
  readonly policies = new Map<string, ManagedPolicy>();

  constructor(readonly account: () => string) {
    this.reset();
  }

  reset(): void {
    this.matchedStatementShape = "documented";
    this.roles.clear();
    this.users.clear();
    this.policies.clear();
    const created = new Date("2017-11-16T00:00:00Z");
    for (const p of AWS_MANAGED_POLICIES) {
      const arn = `arn:aws:iam::aws:policy${p.path}${p.name}`;
      this.policies.set(arn, {
        name: p.name,
        path: p.path,
        arn,
        id: iamId("ANPA"),
        description: p.description,
        createDate: created,
        updateDate: created,
        defaultVersionId: p.versionId,
        versions: [{ versionId: p.versionId, document: p.document, createDate: created }],
        nextVersion: Number(p.versionId.slice(1)) + 1,
        awsManaged: true,
        tags: [],
        viaApi: false,
      });
    }
    this.changed();
  }

  changed(): void {
    this.version++;
  }

  entities(kind: EntityKind): Map<string, Entity> {
    return kind === "role" ? this.roles : this.users;
  }

  entityArn(kind: EntityKind, name: string, path = "/"): string {
    return `arn:aws:iam::${this.account()}:${kind}${path}${name}`;
  }

  findEntity(kind: EntityKind, name: string): Entity | undefined {
    return this.entities(kind).get(name.toLowerCase());
  }

  getEntity(kind: EntityKind, name: unknown): Entity {
    const entityName = checkName(name, kind === "role" ? "roleName" : "userName", kind === "role" ? 64 : 64);
    const entity = this.findEntity(kind, entityName);
    if (!entity) throw new AwsError("NoSuchEntity", `The ${kind} with name ${entityName} cannot be found.`, 404);
    return entity;
  }

  /** A role or user by ARN (SimulatePrincipalPolicy, enforcement). */
  entityByArn(arn: string): Entity | undefined {
    const m = /^arn:aws:iam::(\d{12}):(role|user)(\/(?:.*\/)?)?([^/]+)$/.exec(arn);
    if (!m || m[1] !== this.account()) return undefined;
    const entity = this.findEntity(m[2] as EntityKind, m[4] as string);
    return entity && entity.arn === arn ? entity : undefined;
  }

  createEntity(
    kind: EntityKind,
    fields: { name: string; path: string; trustPolicy?: string; description?: string; maxSessionDuration?: number },
    tags: Tag[],
    viaApi: boolean,
  ): Entity {
    const map = this.entities(kind);
    if (map.has(fields.name.toLowerCase())) {
      const noun = kind === "role" ? "Role" : "User";
      throw new AwsError("EntityAlreadyExists", `${noun} with name ${fields.name} already exists.`, 409);
    }
    const entity: Entity = {
      kind,
      ...fields,
      id: iamId(kind === "role" ? "AROA" : "AIDA"),
      arn: this.entityArn(kind, fields.name, fields.path),
      createDate: new Date(),
      tags,
      inline: new Map(),
      attached: [],
      viaApi,
    };
    map.set(fields.name.toLowerCase(), entity);
    this.changed();
    return entity;
  }

  putInline(entity: Entity, name: string, document: string): void {
    const others = [...entity.inline].filter(([n]) => n !== name).reduce((sum, [, d]) => sum + policySize(d), 0);
    const quota = INLINE_POLICY_QUOTA[entity.kind];
    if (others + policySize(document) > quota) {
      throw new AwsError(
        "LimitExceeded",
        `Maximum policy size of ${quota} bytes exceeded for ${entity.kind} ${entity.name}`,
        409,
      );
    }
    entity.inline.set(name, document);
    this.changed();
  }

  policy(arn: unknown): ManagedPolicy {
    const text = String(arn ?? "");
    if (!/^arn:aws:iam::(\d{12}|aws):policy\//.test(text)) {
      throw new AwsError("InvalidInput", `ARN ${text} is not valid.`);
    }
    const policy = this.policies.get(text);
    if (!policy) throw new AwsError("NoSuchEntity", `Policy ${text} does not exist or is not attachable.`, 404);
    return policy;
  }

  attach(entity: Entity, policyArn: unknown): void {
    const policy = this.policy(policyArn);
    if (entity.attached.includes(policy.arn)) return;
    if (entity.attached.length >= ATTACHED_POLICIES_QUOTA) {
      const quota = entity.kind === "role" ? "PoliciesPerRole" : "PoliciesPerUser";
      throw new AwsError("LimitExceeded", `Cannot exceed quota for ${quota}: ${ATTACHED_POLICIES_QUOTA}`, 409);
    }
    entity.attached.push(policy.arn);
    this.changed();
  }

  createPolicy(
    fields: { name: string; path: string; description?: string; document: string },
    tags: Tag[],
    viaApi: boolean,
  ): ManagedPolicy {
    for (const existing of this.policies.values()) {
      if (!existing.awsManaged && existing.name.toLowerCase() === fields.name.toLowerCase()) {
        throw new AwsError(
          "EntityAlreadyExists",
          `A policy called ${fields.name} already exists. Duplicate names are not allowed.`,
          409,
        );
      }
    }
    checkManagedSize(fields.document);
    const now = new Date();
    const policy: ManagedPolicy = {
      name: fields.name,
      path: fields.path,
      arn: `arn:aws:iam::${this.account()}:policy${fields.path}${fields.name}`,
      id: iamId("ANPA"),
      createDate: now,
      updateDate: now,
      defaultVersionId: "v1",
      versions: [{ versionId: "v1", document: fields.document, createDate: now }],
      nextVersion: 2,
      awsManaged: false,
      tags,
      viaApi,
    };
    if (fields.description !== undefined) policy.description = fields.description;
    this.policies.set(policy.arn, policy);
    this.changed();
    return policy;
  }

  /** Sets (or with undefined, removes) a role's or user's permissions boundary: a managed policy that exists. */
  setBoundary(entity: Entity, policyArn: unknown): void {
    if (policyArn === undefined) delete entity.permissionsBoundary;
    else entity.permissionsBoundary = this.policy(policyArn).arn;
    this.changed();
  }

  attachmentCount(policyArn: string): number {
    let count = 0;
    for (const map of [this.roles, this.users]) {
      for (const e of map.values()) if (e.attached.includes(policyArn)) count++;
    }
    return count;
  }

  defaultDocument(policy: ManagedPolicy): string {
    return policy.versions.find((v) => v.versionId === policy.defaultVersionId)?.document ?? "{}";
  }
}

export function checkManagedSize(document: string): void {
  if (policySize(document) > MANAGED_POLICY_SIZE) {
    throw new AwsError("LimitExceeded", `Cannot exceed quota for PolicySize: ${MANAGED_POLICY_SIZE}`, 409);
  }
}
