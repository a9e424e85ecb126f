import type { SecretInfo } from "./aws-lookups";

/** What a GetSecretValue asks for: a version id, or a staging label (AWSCURRENT when neither is given). */
export interface SecretRead {
  versionId?: string | undefined;
  versionStage?: string | undefined;
}

/** The version a read gets: the one named, else the one carrying its stage; undefined when none does (or unknown). */
export function versionRead(versions: Record<string, string[]> | undefined, read: SecretRead = {}): string | undefined {
  if (read.versionId) return read.versionId;
  const stage = read.versionStage || "AWSCURRENT";
  return Object.entries(versions ?? {}).find(([, stages]) => stages.includes(stage))?.[0];
}

/**
 * Why GetSecretValue of `secret` will fail whatever the caller's permissions, or undefined: a secret scheduled for
 * deletion is refused ("You can't perform this operation on the secret because it was marked for deletion",
 * InvalidRequestException), and a read by staging label finds no version without one that carries it (a secret
 * created without a value has none: ResourceNotFoundException "Secrets Manager can't find the specified secret
 * value for staging label: AWSCURRENT"). Versions that are not known (a secret a plan creates) are not judged.
 */
export function unreadable(secret: SecretInfo, read: SecretRead = {}): { problem: string; fix: string } | undefined {
  if (secret.deletedBy)
    return {
      problem: `this plan deletes the secret ${secret.arn} (it destroys ${secret.deletedBy}: Secrets Manager schedules the deletion and refuses to read it)`,
      fix: `Keep ${secret.deletedBy}, or point valueFrom at the secret that replaces it.`,
    };
  if (secret.deletedDate)
    return {
      problem: `the secret ${secret.arn} is scheduled for deletion (since ${secret.deletedDate.toISOString()}), and Secrets Manager refuses to read it`,
      fix: "Restore it (aws secretsmanager restore-secret), or point at a secret in use.",
    };
  if (read.versionId || !secret.versions || versionRead(secret.versions, read)) return undefined;
  const stage = read.versionStage || "AWSCURRENT";
  return Object.keys(secret.versions).length === 0
    ? {
        problem: `the secret ${secret.arn} holds no value (no version carries the staging label '${stage}')`,
        fix: "Store its value (aws secretsmanager put-secret-value).",
      }
    : {
        problem: `no version of the secret ${secret.arn} carries the staging label '${stage}'`,
        fix: "Fix the version stage in valueFrom (or leave it empty for AWSCURRENT).",
      };
}
