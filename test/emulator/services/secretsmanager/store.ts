/**
 * Secrets with versions and staging labels. A secret's ARN ends with a
 * hyphen and six random characters, as in AWS; callers may name a secret by
 * its name, its full ARN or its partial ARN (without the suffix).
 */
import { randomUUID } from "node:crypto";
import { AwsError } from "../../errors";
import type { Params } from "../../types";
import { randomAlphanumeric } from "../paging";

export interface SecretVersion {
  id: string;
  secretString?: string;
  secretBinary?: string;
  stages: string[];
  createdDate: Date;
}

export interface Secret {
  name: string;
  arn: string;
  description?: string;
  kmsKeyId?: string;
  owningService?: string;
  tags: { Key: string; Value: string }[];
  versions: SecretVersion[];
  createdDate: Date;
  lastChangedDate: Date;
  lastAccessedDate?: Date;
  deletedDate?: Date;
  /** The secret's resource policy (JSON), set with PutResourcePolicy or by the scenario. */
  resourcePolicy?: string;
  seeded: boolean;
}

export interface SecretSpec {
  name: string;
  secretString?: string;
  secretBinary?: string;
  versionId?: string;
  kmsKeyId?: string;
  description?: string;
  owningService?: string;
  tags?: { Key: string; Value: string }[];
  resourcePolicy?: string;
  /** The six characters after the name in the ARN (random when omitted). */
  arnSuffix?: string;
  seeded: boolean;
}

export const notFound = () =>
  new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
export const invalidParameter = (message: string) => new AwsError("InvalidParameterException", message);
export const invalidRequest = (message: string) => new AwsError("InvalidRequestException", message);

export const newSuffix = () => randomAlphanumeric(6);

/** The day, as AWS rounds LastAccessedDate. */
function today(): Date {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  return d;
}

export class SecretStore {
  readonly secrets = new Map<string, Secret>();

  constructor(private readonly where: () => { region: string; account: string }) {}

  arnPrefix(): string {
    const { region, account } = this.where();
    return `arn:aws:secretsmanager:${region}:${account}:secret:`;
  }

  add(spec: SecretSpec): Secret {
    if (this.secrets.has(spec.name))
      throw new AwsError(
        "ResourceExistsException",
        `The operation failed because the secret ${spec.name} already exists.`,
      );
    const suffix = spec.arnSuffix ?? newSuffix();
    if (!/^[A-Za-z0-9]{6}$/.test(suffix))
      throw new Error(`secretsmanager: arnSuffix must be 6 letters or digits, got ${suffix}`);
    const now = new Date();
    const secret: Secret = {
      name: spec.name,
      arn: `${this.arnPrefix()}${spec.name}-${suffix}`,
      tags: spec.tags ?? [],
      versions: [],
      createdDate: now,
      lastChangedDate: now,
      seeded: spec.seeded,
    };
    if (spec.description !== undefined) secret.description = spec.description;
    if (spec.kmsKeyId !== undefined) secret.kmsKeyId = spec.kmsKeyId;
    if (spec.owningService !== undefined) secret.owningService = spec.owningService;
    if (spec.resourcePolicy !== undefined) secret.resourcePolicy = spec.resourcePolicy;
    if (spec.secretString !== undefined || spec.secretBinary !== undefined)
      this.putValue(secret, spec, spec.versionId ?? randomUUID(), ["AWSCURRENT"]);
    this.secrets.set(secret.name, secret);
    return secret;
  }

  /** By name, full ARN or partial ARN (no `-AbCdEf` suffix). */
  find(secretId: unknown): Secret | undefined {
    if (typeof secretId !== "string" || secretId === "") return undefined;
    const prefix = this.arnPrefix();
    if (!secretId.startsWith("arn:")) return this.secrets.get(secretId);
    if (!secretId.startsWith(prefix)) return undefined;
    const rest = secretId.slice(prefix.length);
    for (const secret of this.secrets.values()) if (secret.arn === secretId) return secret;
    return this.secrets.get(rest);
  }

  /** find(), refusing unknown secrets and, unless allowed, secrets marked for deletion. */
  require(secretId: unknown, allowDeleted = false): Secret {
    const secret = this.find(secretId);
    if (!secret) throw notFound();
    if (secret.deletedDate && !allowDeleted)
      throw invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");
    return secret;
  }

  /** Stores a version and moves its staging labels (AWSCURRENT's old holder becomes AWSPREVIOUS). */
  putValue(
    secret: Secret,
    value: { secretString?: string; secretBinary?: string },
    versionId: string,
    stages: string[],
  ): SecretVersion {
    const existing = secret.versions.find((v) => v.id === versionId);
    if (existing) {
      if (existing.secretString !== value.secretString || existing.secretBinary !== value.secretBinary)
        throw new AwsError(
          "ResourceExistsException",
          `You can't modify an existing version, you can only create a new version. VersionId: ${versionId}`,
        );
      return existing;
    }
    // A staging label sits on one version at a time; the version losing AWSCURRENT becomes AWSPREVIOUS.
    const previous = stages.includes("AWSCURRENT")
      ? secret.versions.find((v) => v.stages.includes("AWSCURRENT"))
      : undefined;
    for (const v of secret.versions)
      v.stages = v.stages.filter((s) => !stages.includes(s) && !(previous && s === "AWSPREVIOUS"));
    previous?.stages.push("AWSPREVIOUS");
    const version: SecretVersion = { id: versionId, stages: [...stages], createdDate: new Date() };
    if (value.secretString !== undefined) version.secretString = value.secretString;
    if (value.secretBinary !== undefined) version.secretBinary = value.secretBinary;
    secret.versions.push(version);
    secret.lastChangedDate = new Date();
    return version;
  }

  /** The version asked for: by VersionId, by VersionStage, or AWSCURRENT. */
  version(secret: Secret, versionId: unknown, stage: unknown): SecretVersion {
    if (versionId !== undefined) {
      const v = secret.versions.find((x) => x.id === versionId);
      if (!v || (stage !== undefined && !v.stages.includes(String(stage))))
        throw new AwsError(
          "ResourceNotFoundException",
          `Secrets Manager can't find the specified secret value for VersionId: ${String(versionId)}`,
        );
      return v;
    }
    const label = stage === undefined ? "AWSCURRENT" : String(stage);
    const v = secret.versions.find((x) => x.stages.includes(label));
    if (!v)
      throw new AwsError(
        "ResourceNotFoundException",
        `Secrets Manager can't find the specified secret value for staging label: ${label}`,
      );
    return v;
  }

  markAccessed(secret: Secret): void {
    secret.lastAccessedDate = today();
  }

  versionIdsToStages(secret: Secret): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const v of secret.versions) if (v.stages.length > 0) out[v.id] = v.stages;
    return out;
  }

  /** The fields DescribeSecret and ListSecrets share. */
  summary(secret: Secret): Params {
    const out: Params = {
      ARN: secret.arn,
      Name: secret.name,
      LastChangedDate: secret.lastChangedDate,
      CreatedDate: secret.createdDate,
      Tags: secret.tags,
    };
    if (secret.description !== undefined) out.Description = secret.description;
    if (secret.kmsKeyId !== undefined) out.KmsKeyId = secret.kmsKeyId;
    if (secret.owningService !== undefined) out.OwningService = secret.owningService;
    if (secret.lastAccessedDate) out.LastAccessedDate = secret.lastAccessedDate;
    if (secret.deletedDate) out.DeletedDate = secret.deletedDate;
    return out;
  }
}
