/**
 * SimulateCustomPolicy: the policies of the request only (no principal's
 * stored ones), with the same evaluation as SimulatePrincipalPolicy, and a
 * permissions boundary when `PermissionsBoundaryPolicyInputList` is given:
 * an action is allowed only when the identity policies allow it and the
 * boundary allows it too; an explicit deny in either wins.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
 */
import { AwsError } from "../../errors";
import type { Params, RequestContext } from "../../types";
import { compileBoundary, compilePrincipal, evaluateBounded } from "./evaluate";
import {
  actionsAndResources,
  boundaryInput,
  contextFromEntries,
  decodeMarker,
  evaluationContext,
  fingerprint,
  maxItems,
  simulationPage,
} from "./simulate";
import { checkPolicyDocument, type IamStore } from "./store";

/** The member name AWS validates in its error messages (`policyInputList`). */
function documents(params: Params, key: string, member: string): string[] {
  const raw = params[key];
  if (raw === undefined) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return (Array.isArray(raw) ? raw : [raw]).map((doc: unknown) => checkPolicyDocument(doc, "identity"));
}

export async function simulateCustomPolicy(store: IamStore, params: Params, ctx: RequestContext) {
  const identity = documents(params, "PolicyInputList", "policyInputList");
  const boundary = boundaryInput(params);
  // AWS: "You can specify only the ARN of an IAM user" as CallerArn.
  if (params.CallerArn !== undefined && !/^arn:aws:iam::\d{12}:user\//.test(String(params.CallerArn))) {
    throw new AwsError(
      "InvalidInput",
      `Invalid CallerArn ${String(params.CallerArn)}: it must be the ARN of an IAM user.`,
    );
  }
  for (const unsupported of ["ResourcePolicy", "ResourceHandlingOption"]) {
    if (params[unsupported] !== undefined) {
      throw new AwsError(
        "InvalidInput",
        `The emulator does not simulate ${unsupported}; see test/emulator/docs/iam.md.`,
      );
    }
  }
  const { actions, resources } = actionsAndResources(params);
  const typed = contextFromEntries(params.ContextEntries);
  const limit = maxItems(params.MaxItems);
  const fp = fingerprint(["custom", identity, boundary ?? null, actions, resources, params.ContextEntries ?? null]);
  const offset = decodeMarker(params.Marker, fp);

  const caller = String(params.CallerArn ?? `arn:aws:iam::${ctx.account}:user/SimulatedCaller`);
  const principal = compilePrincipal(store, undefined, caller, identity);
  // Its statements are reported as PermissionsBoundaryPolicyInputList.1.
  const bounded = compileBoundary(store, undefined, caller, boundary);
  // Values read by their ContextKeyType, as for SimulatePrincipalPolicy.
  const context = evaluationContext(typed, [...principal.policies, ...(bounded?.policies ?? [])]);
  return simulationPage(actions, resources, { offset, limit, fp }, (action, resource) =>
    evaluateBounded(principal, bounded, action, resource, context, ctx.account),
  );
}
