/**
 * A role's identity policies once the plan is applied: the deployed ones the
 * plan does not touch, with the plan's inline policies, attachments, new
 * managed policy versions and boundary on top. A role the plan creates has
 * only its planned policies.
 */
import type { Finding } from "../checks";
import type { DeployedRole, PlanIo } from "./aws-io";
import type { PlannedIam, PlannedRole } from "./types";
import { roleKey, roleNameOfArn } from "./types";

export interface PolicySet {
  roleArn: string;
  /** The role exists in AWS today (its deployed decision can be simulated). */
  deployed: boolean;
  /** Identity policy documents after the plan (PolicyInputList). */
  documents: string[];
  /** Where each document is declared: for the fix ("edit aws_iam_role_policy.secrets"). */
  sources: string[];
  /** Permissions boundary document after the plan. */
  boundary?: string;
  /** The plan changes this role's policies. */
  changed: boolean;
  /** The resource to add a statement to (the role's policy in the plan), when there is one. */
  editAt?: string;
}

export async function plannedPolicySet(
  roleArn: string,
  iam: PlannedIam,
  io: PlanIo,
  findings: Finding[],
): Promise<PolicySet> {
  const name = roleNameOfArn(roleArn) ?? roleArn;
  const planned: PlannedRole | undefined = iam.roles.get(roleKey(name));
  const deployed: DeployedRole =
    planned?.created === true ? { exists: false, inline: new Map(), attached: [] } : await io.deployedRole(name);
  const documents: string[] = [];
  const sources: string[] = [];
  const unknown = (what: string, reason: string) =>
    findings.push({
      severity: "fail",
      subject: roleArn,
      message: `${what} of ${roleArn} is unknown until apply (${reason}): rows of this role are simulated without it, so an allow it would give is not counted.`,
      sources: [],
    });

  const inline = new Map<string, { document?: string; source: string; reason?: string }>();
  if (!planned?.inlineExclusive) {
    for (const [policy, doc] of deployed.inline)
      inline.set(policy, { document: doc, source: `deployed inline policy ${policy}` });
  }
  for (const [policy, doc] of planned?.inline ?? []) {
    if (doc === null) inline.delete(policy);
    else
      inline.set(policy, {
        ...(doc.document ? { document: doc.document } : {}),
        source: doc.address,
        ...(doc.unknown ? { reason: doc.unknown.reason } : {}),
      });
  }
  for (const [policy, doc] of inline) {
    if (doc.document === undefined) unknown(`the inline policy ${policy}`, doc.reason ?? "not in the plan");
    else {
      documents.push(doc.document);
      sources.push(doc.source);
    }
  }

  const attached = new Set(planned?.attachedExclusive ? [] : deployed.attached);
  for (const [arn, on] of planned?.attached ?? []) on ? attached.add(arn) : attached.delete(arn);
  for (const arn of attached) {
    const plannedDoc = iam.managedPolicies.get(arn);
    if (plannedDoc?.unknown) {
      unknown(`the managed policy ${arn}`, plannedDoc.unknown.reason);
      continue;
    }
    const document = plannedDoc?.document ?? (await io.policyDocument(arn));
    if (document === undefined) {
      findings.push({
        severity: "fail",
        subject: arn,
        message: `The managed policy ${arn} attached to ${roleArn} does not exist and is not created by the plan.`,
        sources: [],
      });
      continue;
    }
    documents.push(document);
    sources.push(plannedDoc?.address ?? arn);
  }

  const boundaryArn = planned?.boundary === undefined ? deployed.boundary : (planned.boundary ?? undefined);
  const boundary = boundaryArn
    ? (iam.managedPolicies.get(boundaryArn)?.document ?? (await io.policyDocument(boundaryArn)))
    : undefined;
  return {
    roleArn,
    deployed: deployed.exists,
    documents,
    sources,
    ...(boundary ? { boundary } : {}),
    changed: planned?.changed ?? false,
    ...(planned?.declaredBy[0]
      ? { editAt: planned.declaredBy[0] }
      : planned?.address
        ? { editAt: planned.address }
        : {}),
  };
}
