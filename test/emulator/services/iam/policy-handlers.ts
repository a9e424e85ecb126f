/** Managed policies and their versions. */
import { AwsError } from "../../errors";
import type { Handler, Params } from "../../types";
import { encodeDocument, listPage, policyShape, tagsFrom } from "./format";
import {
  checkManagedSize,
  checkName,
  checkPath,
  checkPolicyDocument,
  type IamStore,
  type ManagedPolicy,
  POLICY_VERSIONS_QUOTA,
} from "./store";

export function createPolicyFrom(store: IamStore, params: Params, viaApi: boolean): ManagedPolicy {
  const fields: Parameters<IamStore["createPolicy"]>[0] = {
    name: checkName(params.PolicyName, "policyName", 128),
    path: checkPath(params.Path),
    document: checkPolicyDocument(params.PolicyDocument, "identity"),
  };
  if (params.Description !== undefined) fields.description = String(params.Description);
  return store.createPolicy(fields, tagsFrom(params), viaApi);
}

function version(policy: ManagedPolicy, id: unknown) {
  const versionId = String(id ?? "");
  const found = policy.versions.find((v) => v.versionId === versionId);
  if (!found) {
    throw new AwsError(
      "NoSuchEntity",
      `Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`,
      404,
    );
  }
  return found;
}

const versionShape = (policy: ManagedPolicy, v: ManagedPolicy["versions"][number], withDocument: boolean) => ({
  Document: withDocument ? encodeDocument(v.document) : undefined,
  VersionId: v.versionId,
  IsDefaultVersion: v.versionId === policy.defaultVersionId,
  CreateDate: v.createDate,
});

function customerPolicy(store: IamStore, arn: unknown): ManagedPolicy {
  const policy = store.policy(arn);
  if (policy.awsManaged) {
    throw new AwsError("InvalidInput", `Policy ${policy.arn} is an AWS managed policy and cannot be changed.`);
  }
  return policy;
}

export function policyHandlers(store: IamStore): Record<string, Handler> {
  const shape = (policy: ManagedPolicy, detail = true) =>
    policyShape(policy, store.attachmentCount(policy.arn), detail);
  return {
    // CreatePolicy's answer leaves out the description, as IAM's does.
    CreatePolicy: (p) => ({ Policy: shape(createPolicyFrom(store, p, true), false) }),
    GetPolicy: (p) => ({ Policy: shape(store.policy(p.PolicyArn)) }),
    DeletePolicy: (p) => {
      const policy = customerPolicy(store, p.PolicyArn);
      if (store.attachmentCount(policy.arn) > 0) {
        throw new AwsError("DeleteConflict", "Cannot delete a policy attached to entities.", 409);
      }
      store.policies.delete(policy.arn);
      store.changed();
      return {};
    },
    ListPolicies: (p) => {
      const scope = String(p.Scope ?? "All");
      const prefix = String(p.PathPrefix ?? "/");
      const onlyAttached = String(p.OnlyAttached ?? "false") === "true";
      const policies = [...store.policies.values()].filter(
        (policy) =>
          (scope === "All" || (scope === "AWS") === policy.awsManaged) &&
          policy.path.startsWith(prefix) &&
          (!onlyAttached || store.attachmentCount(policy.arn) > 0),
      );
      return listPage(
        "Policies",
        policies.map((policy) => shape(policy, false)),
        p,
        "policies",
      );
    },
    GetPolicyVersion: (p) => {
      const policy = store.policy(p.PolicyArn);
      return { PolicyVersion: versionShape(policy, version(policy, p.VersionId), true) };
    },
    ListPolicyVersions: (p) => {
      const policy = store.policy(p.PolicyArn);
      const versions = [...policy.versions].reverse().map((v) => versionShape(policy, v, false));
      return listPage("Versions", versions, p, `versions:${policy.arn}`);
    },
    CreatePolicyVersion: (p) => {
      const policy = customerPolicy(store, p.PolicyArn);
      const document = checkPolicyDocument(p.PolicyDocument, "identity");
      checkManagedSize(document);
      if (policy.versions.length >= POLICY_VERSIONS_QUOTA) {
        throw new AwsError(
          "LimitExceeded",
          `A managed policy can have up to ${POLICY_VERSIONS_QUOTA} versions. Before you create a new version, you must delete an existing version.`,
          409,
        );
      }
      const now = new Date();
      const created = { versionId: `v${policy.nextVersion++}`, document, createDate: now };
      policy.versions.push(created);
      if (String(p.SetAsDefault ?? "false") === "true") policy.defaultVersionId = created.versionId;
      policy.updateDate = now;
      store.changed();
      return { PolicyVersion: versionShape(policy, created, false) };
    },
    DeletePolicyVersion: (p) => {
      const policy = customerPolicy(store, p.PolicyArn);
      const v = version(policy, p.VersionId);
      if (v.versionId === policy.defaultVersionId) {
        throw new AwsError("DeleteConflict", "Cannot delete the default version of a policy.", 409);
      }
      policy.versions = policy.versions.filter((x) => x !== v);
      store.changed();
      return {};
    },
  };
}
