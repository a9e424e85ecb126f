/**
 * The AWS reads the plan-aware preflight adds: the deployed role's own
 * policies (what the plan does not change stays as deployed), managed policy
 * documents, SimulateCustomPolicy, and CloudFormation's exports and stack
 * resources. Every list uses the SDK's paginator.
 */
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  paginateListExports,
} from "@aws-sdk/client-cloudformation";
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  NoSuchEntityException,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  type SimulateCustomPolicyCommandInput,
  type SimulateCustomPolicyCommandOutput,
} from "@aws-sdk/client-iam";
import { awsClientConfig, withOperationNames } from "../../../lib/aws";
import { awsErrorCode, awsException } from "../../../lib/errors";
import { simulationPages } from "../simulate";

export interface DeployedRole {
  exists: boolean;
  /** Inline policy name → document. */
  inline: Map<string, string>;
  attached: string[];
  boundary?: string;
}

export interface PlanIo {
  deployedRole(name: string): Promise<DeployedRole>;
  /** The default version's document of a managed policy; undefined when it does not exist. */
  policyDocument(arn: string): Promise<string | undefined>;
  simulateCustom(
    input: SimulateCustomPolicyCommandInput,
    pageSize?: number,
  ): AsyncIterable<SimulateCustomPolicyCommandOutput>;
  listExports(region: string): Promise<Map<string, string>>;
  /** Logical ID → physical ID; undefined when the stack does not exist. */
  stackResources(stack: string, region: string): Promise<Map<string, string> | undefined>;
}

/** IAM returns policy documents URL-encoded (RFC 3986); the v3 SDK hands them over as they are. */
const decoded = (doc: string | undefined) => (doc === undefined ? undefined : decodeURIComponent(doc));

export function awsPlanIo(iam: IAMClient): PlanIo {
  const cfn = new Map<string, CloudFormationClient>();
  const cloudformation = (region: string) => {
    let client = cfn.get(region);
    if (!client) {
      client = withOperationNames(new CloudFormationClient(awsClientConfig({ region })));
      cfn.set(region, client);
    }
    return client;
  };
  return {
    async deployedRole(name) {
      let boundary: string | undefined;
      try {
        const role = await iam.send(new GetRoleCommand({ RoleName: name }));
        boundary = role.Role?.PermissionsBoundary?.PermissionsBoundaryArn;
      } catch (error) {
        if (awsException(error) instanceof NoSuchEntityException)
          return { exists: false, inline: new Map(), attached: [] };
        throw error;
      }
      const inline = new Map<string, string>();
      for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: name })) {
        for (const policy of page.PolicyNames ?? []) {
          const out = await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policy }));
          inline.set(policy, decoded(out.PolicyDocument) ?? "{}");
        }
      }
      const attached: string[] = [];
      for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: name })) {
        attached.push(...(page.AttachedPolicies ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : [])));
      }
      return { exists: true, inline, attached, ...(boundary ? { boundary } : {}) };
    },
    async policyDocument(arn) {
      let version: string | undefined;
      try {
        version = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId;
      } catch (error) {
        if (awsException(error) instanceof NoSuchEntityException) return undefined;
        throw error;
      }
      const out = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: version }));
      return decoded(out.PolicyVersion?.Document);
    },
    simulateCustom: (input, pageSize) => simulationPages(iam, "SimulateCustomPolicy", input, pageSize),
    async listExports(region) {
      const exports = new Map<string, string>();
      for await (const page of paginateListExports({ client: cloudformation(region) }, {})) {
        for (const e of page.Exports ?? []) if (e.Name && e.Value !== undefined) exports.set(e.Name, e.Value);
      }
      return exports;
    },
    async stackResources(stack, region) {
      try {
        const out = await cloudformation(region).send(new DescribeStackResourcesCommand({ StackName: stack }));
        return new Map(
          (out.StackResources ?? []).flatMap((r) =>
            r.LogicalResourceId && r.PhysicalResourceId ? [[r.LogicalResourceId, r.PhysicalResourceId] as const] : [],
          ),
        );
      } catch (error) {
        // CloudFormation answers an unknown stack with ValidationError "Stack with id X does not exist".
        if (awsErrorCode(error) === "ValidationError" && /does not exist/.test(String((error as Error).message))) {
          return undefined;
        }
        throw error;
      }
    },
  };
}
