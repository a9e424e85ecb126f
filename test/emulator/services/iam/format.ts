/** IAM's response shapes and its Marker/MaxItems listing convention. */
import { AwsError } from "../../errors";
import type { Params } from "../../types";
import type { Entity, ManagedPolicy, Tag } from "./store";

/** IAM returns policy documents URL-encoded (RFC 3986); the SDK hands them over as they are. */
export const encodeDocument = (text: string) => encodeURIComponent(text);

export function tagsFrom(params: Params): Tag[] {
  const tags = Array.isArray(params.Tags) ? (params.Tags as Params[]) : [];
  if (tags.length > 50) throw new AwsError("LimitExceeded", "Cannot exceed quota for TagsPerResource: 50", 409);
  return tags.map((t) => ({ Key: String(t.Key ?? ""), Value: String(t.Value ?? "") }));
}

export function roleShape(role: Entity, detail = true) {
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.id,
    Arn: role.arn,
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: encodeDocument(role.trustPolicy ?? "{}"),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration ?? 3600,
    Tags: detail && role.tags.length > 0 ? role.tags : undefined,
    RoleLastUsed: detail ? {} : undefined,
    PermissionsBoundary: boundaryShape(role),
  };
}

export function userShape(user: Entity, detail = true) {
  return {
    Path: user.path,
    UserName: user.name,
    UserId: user.id,
    Arn: user.arn,
    CreateDate: user.createDate,
    Tags: detail && user.tags.length > 0 ? user.tags : undefined,
    PermissionsBoundary: boundaryShape(user),
  };
}

/** AttachedPermissionsBoundary, when the role or user has one. */
const boundaryShape = (e: Entity) =>
  e.permissionsBoundary
    ? { PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: e.permissionsBoundary }
    : undefined;

export function policyShape(policy: ManagedPolicy, attachmentCount: number, detail = true) {
  return {
    PolicyName: policy.name,
    PolicyId: policy.id,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: detail ? policy.description : undefined,
    CreateDate: policy.createDate,
    UpdateDate: policy.updateDate,
    Tags: detail && policy.tags.length > 0 ? policy.tags : undefined,
  };
}

/** One page of an IAM listing: `{ [key]: items, IsTruncated, Marker? }`. */
export function listPage<T>(key: string, items: T[], params: Params, tag: string): Record<string, unknown> {
  const max = params.MaxItems === undefined ? 100 : Number(params.MaxItems);
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${params.MaxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  }
  let start = 0;
  if (params.Marker !== undefined && params.Marker !== "") {
    const [markerTag, offset] = Buffer.from(String(params.Marker), "base64").toString("utf8").split("|");
    start = Number(offset);
    if (markerTag !== tag || !Number.isInteger(start) || start < 0) {
      throw new AwsError("InvalidInput", "Invalid Marker.");
    }
  }
  const slice = items.slice(start, start + max);
  const next = start + slice.length;
  const truncated = next < items.length;
  return {
    [key]: slice,
    IsTruncated: truncated,
    ...(truncated ? { Marker: Buffer.from(`${tag}|${next}`).toString("base64") } : {}),
  };
}
