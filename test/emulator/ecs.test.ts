import { DescribeNetworkInterfacesCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  ClientException,
  ClusterNotFoundException,
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  ServiceNotFoundException,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spyAuthorizations } from "./authorizer-spy";
import { type RunningEmulator, startEmulator } from "./server";
import type { EcsModule } from "./services/ecs";

const TASK_DEF = {
  family: "papyrus-task",
  requiresCompatibilities: ["FARGATE"],
  networkMode: "awsvpc",
  cpu: "256",
  memory: "512",
  executionRoleArn: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
  taskRoleArn: "arn:aws:iam::123456789012:role/papyrus-task-role",
  containerDefinitions: [
    {
      name: "web",
      image: "123456789012.dkr.ecr.us-west-2.amazonaws.com/papyrus:1.4.2",
      portMappings: [{ containerPort: 5000, protocol: "tcp" }],
      environment: [{ name: "FLASK_ENV", value: "production" }],
      environmentFiles: [{ type: "s3", value: "arn:aws:s3:::papyrus-config/web.env" }],
      secrets: [
        { name: "DB_SECRET", valueFrom: "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf" },
        { name: "API_KEY", valueFrom: "arn:aws:ssm:us-west-2:123456789012:parameter/papyrus/api-key" },
      ],
      repositoryCredentials: {
        credentialsParameter: "arn:aws:secretsmanager:us-west-2:123456789012:secret:dockerhub-XyZ123",
      },
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": "/ecs/papyrus", "awslogs-region": "us-west-2", "awslogs-stream-prefix": "web" },
      },
    },
  ],
};

const TASK_SUBNET = "subnet-0a1b2c3d4e5f60001";
const TASK_SG = "sg-0a1b2c3d4e5f60001";
const OLD_DEPLOYMENT = "ecs-svc/1111111111111111111";
const NEW_DEPLOYMENT = "ecs-svc/2222222222222222222";

let emu: RunningEmulator;
let ecs: ECSClient;
const module = () => emu.emulator.service<EcsModule>("ecs");

beforeAll(async () => {
  emu = await startEmulator({
    scenario: {
      ec2: {
        subnets: [{ id: TASK_SUBNET, availabilityZone: "us-west-2a", cidr: "172.31.48.0/20" }],
        securityGroups: [{ id: TASK_SG, name: "papyrus-task-sg" }],
      },
      ecs: {
        taskDefinitions: [TASK_DEF, { ...TASK_DEF }],
        clusters: [
          {
            name: "papyrus",
            services: [
              {
                name: "papyrus-task-service",
                taskDefinition: "papyrus-task:2",
                desiredCount: 2,
                subnets: [TASK_SUBNET],
                securityGroups: [TASK_SG],
                deployments: [
                  { id: NEW_DEPLOYMENT, status: "PRIMARY", taskDefinition: "papyrus-task:2" },
                  { id: OLD_DEPLOYMENT, status: "ACTIVE", taskDefinition: "papyrus-task:1" },
                ],
                tasks: [
                  { ip: "127.0.0.21", port: 5000, deploymentId: NEW_DEPLOYMENT, healthStatus: "HEALTHY" },
                  { ip: "127.0.0.22", port: 5000, deploymentId: NEW_DEPLOYMENT, lastStatus: "PENDING" },
                  { ip: "127.0.0.23", port: 5000, deploymentId: OLD_DEPLOYMENT },
                  {
                    ip: "127.0.0.24",
                    deploymentId: OLD_DEPLOYMENT,
                    lastStatus: "STOPPED",
                    exitCode: 3,
                    stoppedReason: "Essential container in task exited",
                  },
                ],
              },
              { name: "bulk", taskDefinition: "papyrus-task:2", tasks: [{ ip: "10.0.8.1", count: 150 }] },
            ],
          },
          { name: "empty" },
        ],
      },
    },
  });
  ecs = new ECSClient({ endpoint: emu.endpoint, region: "us-west-2" });
});
afterAll(() => emu.stop());

async function allTaskArns(input: { cluster: string; serviceName?: string; desiredStatus?: "RUNNING" | "STOPPED" }) {
  const arns: string[] = [];
  let nextToken: string | undefined;
  for (let pageNo = 0; pageNo < 10; pageNo++) {
    const page = await ecs.send(new ListTasksCommand({ ...input, ...(nextToken ? { nextToken } : {}) }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
    if (!nextToken) break;
  }
  return arns;
}

describe("ECS emulator: clusters and services", () => {
  it("describes clusters and reports missing ones as failures", async () => {
    const out = await ecs.send(new DescribeClustersCommand({ clusters: ["papyrus", "nope"] }));
    expect(out.clusters?.map((c) => c.clusterArn)).toEqual(["arn:aws:ecs:us-west-2:123456789012:cluster/papyrus"]);
    expect(out.clusters?.[0]).toMatchObject({ status: "ACTIVE", activeServicesCount: 2, runningTasksCount: 152 });
    expect(out.failures).toEqual([{ arn: "arn:aws:ecs:us-west-2:123456789012:cluster/nope", reason: "MISSING" }]);
  });

  it("lists services with paging and fails on an unknown cluster", async () => {
    const first = await ecs.send(new ListServicesCommand({ cluster: "papyrus", maxResults: 1 }));
    expect(first.serviceArns).toEqual(["arn:aws:ecs:us-west-2:123456789012:service/papyrus/papyrus-task-service"]);
    const second = await ecs.send(new ListServicesCommand({ cluster: "papyrus", nextToken: first.nextToken }));
    expect(second.serviceArns).toEqual(["arn:aws:ecs:us-west-2:123456789012:service/papyrus/bulk"]);
    expect(second.nextToken).toBeUndefined();
    await expect(ecs.send(new ListServicesCommand({ cluster: "nope" }))).rejects.toBeInstanceOf(
      ClusterNotFoundException,
    );
  });

  it("shows two deployments in flight with per-deployment counts", async () => {
    const out = await ecs.send(
      new DescribeServicesCommand({ cluster: "papyrus", services: ["papyrus-task-service", "ghost"] }),
    );
    const service = out.services?.[0];
    expect(service).toMatchObject({
      serviceName: "papyrus-task-service",
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 1,
      taskDefinition: "arn:aws:ecs:us-west-2:123456789012:task-definition/papyrus-task:2",
    });
    expect(service?.deployments?.map((d) => [d.id, d.status, d.rolloutState, d.runningCount, d.pendingCount])).toEqual([
      [NEW_DEPLOYMENT, "PRIMARY", "IN_PROGRESS", 1, 1],
      [OLD_DEPLOYMENT, "ACTIVE", "COMPLETED", 1, 0],
    ]);
    expect(service?.deployments?.[1]?.taskDefinition).toMatch(/papyrus-task:1$/);
    expect(service?.createdAt).toBeInstanceOf(Date);
    expect(out.failures).toEqual([
      { arn: "arn:aws:ecs:us-west-2:123456789012:service/papyrus/ghost", reason: "MISSING" },
    ]);
  });
});

describe("ECS emulator: tasks", () => {
  it("pages ListTasks at 100 and filters by desired status and service", async () => {
    const first = await ecs.send(new ListTasksCommand({ cluster: "papyrus", serviceName: "bulk" }));
    expect(first.taskArns).toHaveLength(100);
    expect(first.nextToken).toBeTruthy();
    expect(await allTaskArns({ cluster: "papyrus", serviceName: "bulk" })).toHaveLength(150);
    const small = await ecs.send(new ListTasksCommand({ cluster: "papyrus", serviceName: "bulk", maxResults: 7 }));
    expect(small.taskArns).toHaveLength(7);
    const running = await allTaskArns({ cluster: "papyrus", serviceName: "papyrus-task-service" });
    expect(running).toHaveLength(3);
    for (const arn of running) expect(arn).toMatch(/^arn:aws:ecs:us-west-2:123456789012:task\/papyrus\/[0-9a-f]{32}$/);
    const stopped = await allTaskArns({
      cluster: "papyrus",
      serviceName: "papyrus-task-service",
      desiredStatus: "STOPPED",
    });
    expect(stopped).toHaveLength(1);
    expect(await allTaskArns({ cluster: "papyrus" })).toHaveLength(153);
  });

  it("refuses bad ListTasks parameters with the real exceptions", async () => {
    await expect(ecs.send(new ListTasksCommand({ cluster: "papyrus", maxResults: 101 }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(ecs.send(new ListTasksCommand({ cluster: "papyrus", nextToken: "garbage" }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(ecs.send(new ListTasksCommand({ cluster: "papyrus", serviceName: "ghost" }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );
    await expect(ecs.send(new ListTasksCommand({ cluster: "ghost" }))).rejects.toThrow("Cluster not found.");
  });

  it("describes tasks with ENI attachments, containers, deployments and stop reasons", async () => {
    const arns = [
      ...(await allTaskArns({ cluster: "papyrus", serviceName: "papyrus-task-service" })),
      ...(await allTaskArns({ cluster: "papyrus", serviceName: "papyrus-task-service", desiredStatus: "STOPPED" })),
    ];
    const missing = "arn:aws:ecs:us-west-2:123456789012:task/papyrus/0123456789abcdef0123456789abcdef";
    const out = await ecs.send(new DescribeTasksCommand({ cluster: "papyrus", tasks: [...arns, missing] }));
    expect(out.failures).toEqual([{ arn: missing, reason: "MISSING" }]);
    const byIp = new Map(
      out.tasks?.map((t) => [t.attachments?.[0]?.details?.find((d) => d.name === "privateIPv4Address")?.value, t]),
    );
    const healthy = byIp.get("127.0.0.21");
    expect(healthy).toMatchObject({
      lastStatus: "RUNNING",
      desiredStatus: "RUNNING",
      healthStatus: "HEALTHY",
      startedBy: NEW_DEPLOYMENT,
      group: "service:papyrus-task-service",
      launchType: "FARGATE",
      taskDefinitionArn: "arn:aws:ecs:us-west-2:123456789012:task-definition/papyrus-task:2",
    });
    const attachment = healthy?.attachments?.[0];
    expect(attachment).toMatchObject({ type: "ElasticNetworkInterface", status: "ATTACHED" });
    const details = Object.fromEntries(attachment?.details?.map((d) => [d.name, d.value]) ?? []);
    expect(Object.keys(details).sort()).toEqual(
      ["macAddress", "networkInterfaceId", "privateDnsName", "privateIPv4Address", "subnetId"].sort(),
    );
    expect(details.networkInterfaceId).toMatch(/^eni-0[0-9a-f]{16}$/);
    expect(details.privateDnsName).toBe("ip-127-0-0-21.us-west-2.compute.internal");
    expect(healthy?.containers?.[0]).toMatchObject({
      name: "web",
      lastStatus: "RUNNING",
      networkInterfaces: [{ privateIpv4Address: "127.0.0.21", attachmentId: attachment?.id }],
    });
    expect(healthy?.startedAt).toBeInstanceOf(Date);
    expect(byIp.get("127.0.0.22")).toMatchObject({ lastStatus: "PENDING", desiredStatus: "RUNNING" });
    // ListTasks, desiredStatus: "Although you can filter results based on a desired status of PENDING, this doesn't
    // return any results. Amazon ECS never sets the desired status of a task to that value."
    const pending = await ecs.send(new ListTasksCommand({ cluster: "papyrus", desiredStatus: "PENDING" }));
    expect(pending.taskArns).toEqual([]);
    expect(byIp.get("127.0.0.23")?.taskDefinitionArn).toMatch(/papyrus-task:1$/);
    expect(byIp.get("127.0.0.23")?.startedBy).toBe(OLD_DEPLOYMENT);
    const stopped = byIp.get("127.0.0.24");
    expect(stopped).toMatchObject({
      lastStatus: "STOPPED",
      desiredStatus: "STOPPED",
      stopCode: "EssentialContainerExited",
      stoppedReason: "Essential container in task exited",
    });
    expect(stopped?.containers?.[0]?.exitCode).toBe(3);
    expect(stopped?.attachments?.[0]?.status).toBe("DELETED");
  });

  it("describes at most 100 tasks per call", async () => {
    const arns = await allTaskArns({ cluster: "papyrus", serviceName: "bulk" });
    const hundred = await ecs.send(new DescribeTasksCommand({ cluster: "papyrus", tasks: arns.slice(0, 100) }));
    expect(hundred.tasks).toHaveLength(100);
    await expect(
      ecs.send(new DescribeTasksCommand({ cluster: "papyrus", tasks: arns.slice(0, 101) })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      ecs.send(new DescribeTasksCommand({ cluster: "ghost", tasks: arns.slice(0, 1) })),
    ).rejects.toBeInstanceOf(ClusterNotFoundException);
  });

  it("places each attached task's ENI in EC2 and releases it when the task stops", async () => {
    const ec2 = new EC2Client({ endpoint: emu.endpoint, region: "us-west-2" });
    const enis = async () =>
      (await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "group-id", Values: [TASK_SG] }] })))
        .NetworkInterfaces ?? [];
    const before = await enis();
    expect(before.map((e) => e.PrivateIpAddress).sort()).toEqual(["127.0.0.21", "127.0.0.22", "127.0.0.23"]);
    const arns = await allTaskArns({ cluster: "papyrus", serviceName: "papyrus-task-service" });
    const described = await ecs.send(new DescribeTasksCommand({ cluster: "papyrus", tasks: arns }));
    const task = described.tasks?.find(
      (t) => t.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address === "127.0.0.23",
    );
    const detail = (name: string) => task?.attachments?.[0]?.details?.find((d) => d.name === name)?.value;
    const eni = before.find((e) => e.PrivateIpAddress === "127.0.0.23");
    expect(eni).toMatchObject({
      NetworkInterfaceId: detail("networkInterfaceId"),
      SubnetId: TASK_SUBNET,
      MacAddress: detail("macAddress"),
      Description: `arn:aws:ecs:us-west-2:123456789012:attachment/${task?.attachments?.[0]?.id}`,
      InterfaceType: "interface",
      RequesterManaged: true,
    });
    expect(detail("subnetId")).toBe(TASK_SUBNET);
    module().setTaskState("papyrus", task?.taskArn as string, { lastStatus: "STOPPED" });
    expect((await enis()).map((e) => e.PrivateIpAddress).sort()).toEqual(["127.0.0.21", "127.0.0.22"]);
    module().setTaskState("papyrus", "127.0.0.22", { lastStatus: "RUNNING", healthStatus: "HEALTHY" });
    const service = await ecs.send(
      new DescribeServicesCommand({ cluster: "papyrus", services: ["papyrus-task-service"] }),
    );
    expect(service.services?.[0]?.deployments?.map((d) => [d.status, d.runningCount])).toEqual([
      ["PRIMARY", 2],
      ["ACTIVE", 0],
    ]);
  });

  it("changes a task's state at runtime from the test process", async () => {
    const ecsModule = module();
    const [arn] = ecsModule.addTasks("empty", undefined, [{ ip: "127.0.0.99" }]);
    expect(await allTaskArns({ cluster: "empty" })).toEqual([arn]);
    ecsModule.setTaskState("empty", "127.0.0.99", { lastStatus: "STOPPED", exitCode: 1 });
    expect(await allTaskArns({ cluster: "empty" })).toEqual([]);
    const out = await ecs.send(new DescribeTasksCommand({ cluster: "empty", tasks: [arn as string] }));
    expect(out.tasks?.[0]).toMatchObject({
      lastStatus: "STOPPED",
      stopCode: "EssentialContainerExited",
      group: "family:task",
    });
    expect(() => ecsModule.setTaskState("empty", "127.0.0.250", { lastStatus: "RUNNING" })).toThrow(/no task/);
  });
});

describe("ECS emulator: task definitions and deployments", () => {
  it("registers revisions and describes them by family, family:revision and ARN", async () => {
    const registered = await ecs.send(new RegisterTaskDefinitionCommand({ ...TASK_DEF, family: "api-probe" } as never));
    expect(registered.taskDefinition).toMatchObject({ family: "api-probe", revision: 1, status: "ACTIVE" });
    const second = await ecs.send(
      new RegisterTaskDefinitionCommand({ ...TASK_DEF, family: "api-probe", cpu: "512" } as never),
    );
    const arn = second.taskDefinition?.taskDefinitionArn;
    expect(arn).toBe("arn:aws:ecs:us-west-2:123456789012:task-definition/api-probe:2");
    for (const ref of ["api-probe", "api-probe:2", arn as string]) {
      const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref }));
      expect(out.taskDefinition?.revision).toBe(2);
    }
    const first = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "api-probe:1" }));
    const td = first.taskDefinition;
    expect(td).toMatchObject({
      executionRoleArn: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
      taskRoleArn: "arn:aws:iam::123456789012:role/papyrus-task-role",
      networkMode: "awsvpc",
      cpu: "256",
    });
    const container = td?.containerDefinitions?.[0];
    expect(container?.secrets).toEqual(TASK_DEF.containerDefinitions[0]?.secrets);
    expect(container?.repositoryCredentials?.credentialsParameter).toMatch(/dockerhub-XyZ123$/);
    expect(container?.logConfiguration?.options?.["awslogs-group"]).toBe("/ecs/papyrus");
    expect(container?.environment).toEqual([{ name: "FLASK_ENV", value: "production" }]);
    expect(container?.environmentFiles).toEqual([{ type: "s3", value: "arn:aws:s3:::papyrus-config/web.env" }]);
    expect(container?.portMappings).toEqual([{ containerPort: 5000, protocol: "tcp" }]);
    expect(td?.registeredAt).toBeInstanceOf(Date);
    await expect(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "api-probe:9" }))).rejects.toBeInstanceOf(
      ClientException,
    );
    await expect(
      ecs.send(new RegisterTaskDefinitionCommand({ family: "bad family!", containerDefinitions: [] })),
    ).rejects.toBeInstanceOf(ClientException);
    expect(emu.emulator.leftovers().ecs).toEqual(expect.arrayContaining([arn]));
    for (const rev of [1, 2])
      await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: `api-probe:${rev}` }));
    expect(emu.emulator.leftovers().ecs ?? []).not.toContain(arn);
  });

  it("creates a service, then an update makes a new PRIMARY and the old one ACTIVE", async () => {
    const td = await ecs.send(new RegisterTaskDefinitionCommand({ ...TASK_DEF, family: "rollout" } as never));
    const td2 = await ecs.send(new RegisterTaskDefinitionCommand({ ...TASK_DEF, family: "rollout" } as never));
    const created = await ecs.send(
      new CreateServiceCommand({
        cluster: "empty",
        serviceName: "web",
        taskDefinition: "rollout:1",
        desiredCount: 1,
        launchType: "FARGATE",
        networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"], securityGroups: ["sg-1"] } },
      }),
    );
    expect(created.service?.deployments?.map((d) => [d.status, d.rolloutState])).toEqual([["PRIMARY", "IN_PROGRESS"]]);
    await expect(
      ecs.send(new CreateServiceCommand({ cluster: "empty", serviceName: "web", taskDefinition: "rollout:1" })),
    ).rejects.toThrow("Creation of service was not idempotent.");
    await expect(
      ecs.send(new CreateServiceCommand({ cluster: "empty", serviceName: "x", taskDefinition: "missing:1" })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    const firstId = created.service?.deployments?.[0]?.id;
    const updated = await ecs.send(
      new UpdateServiceCommand({
        cluster: "empty",
        service: "web",
        taskDefinition: td2.taskDefinition?.taskDefinitionArn,
      }),
    );
    expect(updated.service?.taskDefinition).toBe(td2.taskDefinition?.taskDefinitionArn);
    const deployments = updated.service?.deployments ?? [];
    expect(deployments.map((d) => d.status)).toEqual(["PRIMARY", "ACTIVE"]);
    expect(deployments[1]?.id).toBe(firstId);
    expect(deployments[1]?.taskDefinition).toBe(td.taskDefinition?.taskDefinitionArn);
    expect(deployments[0]?.id).toMatch(/^ecs-svc\/\d{19}$/);
    module().setDeploymentState("empty", "web", deployments[0]?.id as string, { rolloutState: "COMPLETED" });
    module().setDeploymentState("empty", "web", firstId as string, { status: "INACTIVE" });
    const settled = await ecs.send(new DescribeServicesCommand({ cluster: "empty", services: ["web"] }));
    expect(settled.services?.[0]?.deployments?.map((d) => [d.status, d.rolloutState])).toEqual([
      ["PRIMARY", "COMPLETED"],
    ]);
    await expect(ecs.send(new UpdateServiceCommand({ cluster: "empty", service: "ghost" }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );
    expect(emu.emulator.leftovers().ecs).toContain("arn:aws:ecs:us-west-2:123456789012:service/empty/web");
    await expect(ecs.send(new DeleteServiceCommand({ cluster: "empty", service: "web" }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    const deleted = await ecs.send(new DeleteServiceCommand({ cluster: "empty", service: "web", force: true }));
    expect(deleted.service?.status).toBe("DRAINING");
    // DeleteService: "Services in the DRAINING or INACTIVE status can still be viewed with the DescribeServices API
    // operation"; nothing else finds it, and its name may be used again.
    const inactive = await ecs.send(new DescribeServicesCommand({ cluster: "empty", services: ["web"] }));
    expect(inactive.services?.map((s) => [s.serviceName, s.status])).toEqual([["web", "INACTIVE"]]);
    expect(inactive.failures).toEqual([]);
    expect((await ecs.send(new ListServicesCommand({ cluster: "empty" }))).serviceArns).toEqual([]);
    await expect(ecs.send(new UpdateServiceCommand({ cluster: "empty", service: "web" }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );
    for (const rev of [1, 2]) await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: `rollout:${rev}` }));
    expect(emu.emulator.leftovers().ecs).toBeUndefined();
  });
});

describe("ECS emulator: enforcement resources", () => {
  it("authorises each call on the ARN AWS evaluates, with ecs:cluster, and answers AccessDeniedException", async () => {
    const seen = await spyAuthorizations(
      emu,
      (action) => action === "ecs:DescribeTasks",
      async () => {
        await ecs.send(new DescribeServicesCommand({ cluster: "papyrus", services: ["papyrus-task-service"] }));
        await ecs.send(
          new ListTasksCommand({ cluster: "arn:aws:ecs:us-west-2:123456789012:cluster/papyrus", maxResults: 1 }),
        );
        await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "papyrus-task" }));
        const denied = ecs.send(new DescribeTasksCommand({ cluster: "papyrus", tasks: ["0123"] }));
        await expect(denied).rejects.toMatchObject({ name: "AccessDeniedException" });
        await expect(denied).rejects.toThrow(
          /not authorized to perform: ecs:DescribeTasks on resource: arn:aws:ecs:us-west-2:123456789012:task\/papyrus\/0123/,
        );
      },
    );
    const cluster = { request: { "ecs:cluster": "arn:aws:ecs:us-west-2:123456789012:cluster/papyrus" } };
    expect(seen).toEqual([
      {
        action: "ecs:DescribeServices",
        resources: ["arn:aws:ecs:us-west-2:123456789012:service/papyrus/papyrus-task-service"],
        conditions: cluster,
      },
      {
        action: "ecs:ListTasks",
        resources: ["arn:aws:ecs:us-west-2:123456789012:container-instance/papyrus/*"],
        conditions: cluster,
      },
      { action: "ecs:DescribeTaskDefinition", resources: ["*"], conditions: {} },
      {
        action: "ecs:DescribeTasks",
        resources: ["arn:aws:ecs:us-west-2:123456789012:task/papyrus/0123"],
        conditions: cluster,
      },
    ]);
  });

  it("keeps scenario resources out of leftovers and reports them in the state", async () => {
    const state = emu.emulator.state().ecs as { clusters: { name: string; tasks: unknown[] }[] };
    expect(state.clusters.find((c) => c.name === "papyrus")?.tasks).toHaveLength(154);
    expect(emu.emulator.leftovers().ecs).toBeUndefined();
  });

  it("is emptied by a reset, task ENIs included", async () => {
    await emu.emulator.reset();
    expect(emu.emulator.state().ecs).toEqual({ clusters: [], taskDefinitions: [] });
    const out = await ecs.send(new DescribeClustersCommand({ clusters: ["papyrus"] }));
    expect(out.failures?.[0]?.reason).toBe("MISSING");
    const ec2 = new EC2Client({ endpoint: emu.endpoint, region: "us-west-2" });
    const enis = await ec2.send(new DescribeNetworkInterfacesCommand({}));
    expect(enis.NetworkInterfaces).toEqual([]);
  });
});
