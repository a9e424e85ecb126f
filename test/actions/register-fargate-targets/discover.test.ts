import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from "@aws-sdk/client-ecs";
import { beforeEach, describe, expect, it } from "vitest";
import { findRunningTasks } from "../../../src/actions/register-fargate-targets/discover";
import { readInputs } from "../../../src/actions/register-fargate-targets/inputs";
import { withOperationNames } from "../../../src/lib/aws";
import { mockAws } from "../../harness/aws-mock";
import { awsError } from "../ephemeral-alb/aws-mocks";

const ecsMock = mockAws(ECSClient);
const TG = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/t/1";
const inputs = (extra: Record<string, string> = {}) =>
  readInputs((n) => ({ cluster: "papyrus", service: "web", "target-group-arn": TG, ...extra })[n] ?? "", {
    AWS_REGION: "us-west-2",
  });

const task = (n: number, extra: object = {}) => ({
  taskArn: `arn:aws:ecs:us-west-2:123456789012:task/papyrus/${String(n % 10).repeat(32)}`,
  lastStatus: "RUNNING",
  startedBy: "ecs-svc/2",
  taskDefinitionArn: "arn:aws:ecs:us-west-2:123456789012:task-definition/web:2",
  attachments: [
    {
      type: "ElasticNetworkInterface",
      status: "ATTACHED",
      details: [{ name: "privateIPv4Address", value: `10.0.1.${n}` }],
    },
  ],
  ...extra,
});

describe("findRunningTasks", () => {
  beforeEach(() => {
    ecsMock.reset();
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [{ status: "ACTIVE", deployments: [{ id: "ecs-svc/2", status: "PRIMARY" }] }] });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [task(1).taskArn] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [task(1)] });
  });

  it("asks which port when the task definition maps several", async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        containerDefinitions: [
          { name: "web", portMappings: [{ containerPort: 5000 }] },
          { name: "metrics", portMappings: [{ containerPort: 9090 }] },
        ],
      },
    });
    await expect(findRunningTasks(withOperationNames(new ECSClient({})), inputs())).rejects.toThrow(
      /maps several ports \(web:5000, metrics:9090\)\. Which one serves HTTP\? Set 'container-name' \(or 'container-port'\)/,
    );
    const { discovery } = await findRunningTasks(
      withOperationNames(new ECSClient({})),
      inputs({ "container-name": "web" }),
    );
    expect(discovery.targets.map((t) => `${t.ip}:${t.port}`)).toEqual(["10.0.1.1:5000"]);
  });

  it("uses container-port without reading the task definition", async () => {
    const { discovery } = await findRunningTasks(
      withOperationNames(new ECSClient({})),
      inputs({ "container-port": "8080" }),
    );
    expect(discovery.targets[0]?.port).toBe(8080);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
  });

  it("keeps only RUNNING tasks with an ATTACHED ENI of the PRIMARY deployment", async () => {
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [
        task(1),
        task(2, { lastStatus: "PENDING" }),
        task(3, { attachments: [{ type: "ElasticNetworkInterface", status: "DELETED", details: [] }] }),
        task(4, { startedBy: "ecs-svc/1" }),
      ],
    });
    const { discovery } = await findRunningTasks(
      withOperationNames(new ECSClient({})),
      inputs({ "container-port": "5000" }),
    );
    expect(discovery.targets.map((t) => t.ip)).toEqual(["10.0.1.1"]);
    expect(discovery.ignored.map((i) => i.why)).toEqual([
      "lastStatus is PENDING",
      "its ENI is DELETED",
      "it belongs to deployment ecs-svc/1, not the PRIMARY ecs-svc/2",
    ]);
  });

  it("a deleted service: INACTIVE, or purged (ServiceNotFoundException, from DescribeServices or ListTasks)", async () => {
    const ecs = () => withOperationNames(new ECSClient({}));
    const input = inputs({ service: "web" });
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [{ serviceName: "web", status: "INACTIVE" }], failures: [] });
    await expect(findRunningTasks(ecs(), input)).rejects.toThrow(
      "Input 'service': service 'web' was not found in cluster 'papyrus' (it is INACTIVE).",
    );
    ecsMock.on(DescribeServicesCommand).rejects(awsError("ServiceNotFoundException", "Service not found."));
    await expect(findRunningTasks(ecs(), input)).rejects.toThrow(
      /^Input 'service': service 'web' was not found in cluster 'papyrus'\. Check the service name and the cluster\.$/,
    );
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [{ serviceName: "web", status: "ACTIVE" }], failures: [] });
    ecsMock.on(ListTasksCommand).rejects(awsError("ServiceNotFoundException", "Service not found."));
    await expect(findRunningTasks(ecs(), input)).rejects.toThrow(/^Input 'service': service 'web' was not found/);
  });

  it("turns an unknown cluster into an input error", async () => {
    ecsMock.on(DescribeServicesCommand).rejects(awsError("ClusterNotFoundException", "Cluster not found."));
    await expect(findRunningTasks(withOperationNames(new ECSClient({})), inputs())).rejects.toThrow(
      /^Input 'cluster': cluster 'papyrus' was not found/,
    );
  });
});
