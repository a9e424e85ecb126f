/**
 * CloudFormation (AWS Query, 2010-05-15), the two reads the IAM preflight
 * makes of deployed stacks: ListExports (for Fn::ImportValue) and
 * DescribeStackResources (Ref/GetAtt of a template's resources). Stacks come
 * from the scenario (`cloudformation.stacks`). See test/emulator/docs/cloudformation.md.
 */
import { queryAccessDenied, validation } from "../errors";
import type { Emulator } from "../server";
import { operations, type Params, type RequestContext, type Scenario, type ServiceModule } from "../types";
import { type CloudFormationScenario, StackStore } from "./cloudformation/stacks";
import { page } from "./paging";

/** https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListExports.html: "If the output exceeds 100 exported output values". */
const EXPORTS_PAGE = 100;
/** https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResources.html: "Only the first 100 resources will be returned." */
const RESOURCES_LIMIT = 100;

export const createCloudFormation = (emulator: Emulator): ServiceModule => {
  const store = new StackStore(
    () => emulator.region,
    () => emulator.account,
  );
  const badToken = () => validation("Invalid NextToken.");

  const describeStackResources = (params: Params) => {
    const stackName = params.StackName === undefined ? undefined : String(params.StackName);
    const physicalId = params.PhysicalResourceId === undefined ? undefined : String(params.PhysicalResourceId);
    if (stackName !== undefined && physicalId !== undefined) {
      throw validation("Cannot specify both StackName and PhysicalResourceId");
    }
    if (stackName === undefined && physicalId === undefined) {
      throw validation("Either StackName or PhysicalResourceId must be specified");
    }
    const stack =
      stackName !== undefined
        ? store.find(stackName)
        : [...store.stacks.values()].find((s) => s.resources.some((r) => r.physicalId === physicalId));
    if (!stack) {
      throw validation(
        stackName !== undefined
          ? `Stack with id ${stackName} does not exist`
          : `Stack for ${physicalId} does not exist`,
      );
    }
    const logicalId = params.LogicalResourceId === undefined ? undefined : String(params.LogicalResourceId);
    const resources = stack.resources
      .filter((r) => logicalId === undefined || r.logicalId === logicalId)
      .slice(0, RESOURCES_LIMIT);
    return {
      StackResources: resources.map((r) => ({
        StackName: stack.name,
        StackId: stack.id,
        LogicalResourceId: r.logicalId,
        PhysicalResourceId: r.physicalId,
        ResourceType: r.type,
        Timestamp: stack.created,
        ResourceStatus: r.status,
        DriftInformation: { StackResourceDriftStatus: "NOT_CHECKED" },
      })),
    };
  };

  return {
    signingName: "cloudformation",
    protocol: "query",
    xmlns: "http://cloudformation.amazonaws.com/doc/2010-05-15/",
    iamPrefix: "cloudformation",
    accessDenied: queryAccessDenied,
    operations: operations(
      {
        ListExports: (params) => {
          const all = [...store.stacks.values()].flatMap((s) =>
            [...s.exports].map(([Name, Value]) => ({ ExportingStackId: s.id, Name, Value })),
          );
          const result = page(all, { token: params.NextToken, max: EXPORTS_PAGE, tag: "exports", badToken });
          return { Exports: result.items, ...(result.nextToken ? { NextToken: result.nextToken } : {}) };
        },
        DescribeStackResources: describeStackResources,
      },
      {
        // ListExports has no resource type (`*`).
        ListExports: {},
        // Authorized on the stack.
        DescribeStackResources: {
          resources(params: Params, ctx: RequestContext) {
            if (params.StackName === undefined) return ["*"];
            const name = String(params.StackName);
            return [store.find(name)?.id ?? `arn:aws:cloudformation:${ctx.region}:${ctx.account}:stack/${name}/*`];
          },
        },
      },
    ),
    reset() {
      store.stacks.clear();
    },
    loadScenario(scenario: Scenario) {
      const section = scenario.cloudformation as CloudFormationScenario | undefined;
      if (section) store.load(section);
    },
    snapshot: () => ({
      stacks: [...store.stacks.values()].map((s) => ({
        name: s.name,
        id: s.id,
        resources: s.resources,
        exports: Object.fromEntries(s.exports),
      })),
    }),
    created: () => [],
  };
};
