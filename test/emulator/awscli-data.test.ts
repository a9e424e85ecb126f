/**
 * Fidelity of ECS, Secrets Manager, SSM and RDS against an independent
 * client: the AWS CLI (botocore's own parsers and paginators) reads what the
 * suite's actions read. The CLI follows nextToken/Marker by itself, so these
 * also prove the paging tokens, and its error lines prove the error codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AWS_CLI_MISSING, awsCliVersion, runAwsCli } from "./awscli";
import { type RunningEmulator, startEmulator } from "./server";
import type { EcsModule } from "./services/ecs";

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output, checked field by field
type Json = Record<string, any>;

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({
    scenario: {
      ecs: {
        taskDefinitions: [
          {
            family: "papyrus-task",
            executionRoleArn: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
            containerDefinitions: [
              {
                name: "web",
                image: "papyrus:1",
                secrets: [
                  { name: "DB", valueFrom: "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf" },
                ],
              },
            ],
          },
        ],
        clusters: [
          {
            name: "papyrus",
            services: [
              {
                name: "papyrus-task-service",
                taskDefinition: "papyrus-task:1",
                tasks: [
                  { ip: "10.0.8.1", count: 130 },
                  { ip: "10.0.9.1", lastStatus: "STOPPED", exitCode: 3 },
                ],
              },
            ],
          },
        ],
      },
      secretsmanager: {
        secrets: [
          { name: "papyrus/db", value: { username: "app", password: "pw" }, arnSuffix: "AbCdEf", kmsKeyId: "alias/db" },
        ],
      },
      ssm: { parameters: [{ name: "/papyrus/api-key", value: "k-1", keyId: "alias/ssm-key" }] },
      rds: {
        parameterGroups: [{ name: "papyrus-pg16", family: "postgres16", parameters: { "rds.force_ssl": "1" } }],
        clusters: [{ id: "papyrus-aurora", databaseName: "papyrus", masterUsername: "admin" }],
        instances: [
          {
            id: "papyrus-db",
            engine: "postgres",
            dbName: "papyrus",
            masterUsername: "papyrus_admin",
            address: "127.0.0.1",
            port: 54329,
            parameterGroup: "papyrus-pg16",
            masterUserSecret: true,
          },
        ],
      },
    },
  });
});
afterAll(() => emu?.stop());

/** `aws <args>` against the emulator: exit code, parsed JSON output, stderr. */
async function cli(...args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  const r = await runAwsCli(emu.endpoint, args, 60_000);
  return { code: r.code, json: r.code === 0 && r.stdout.trim() ? JSON.parse(r.stdout) : {}, stderr: r.stderr };
}

describe("AWS CLI reads ECS, Secrets Manager, SSM and RDS from the emulator", () => {
  it("is installed (CI installs Debian's awscli)", () => {
    if (!awsCliVersion) throw new Error(AWS_CLI_MISSING);
    expect(awsCliVersion).toMatch(/^aws-cli\/[12]\./);
  });

  it("ECS: paginated list-tasks, describe-tasks of a stopped task, ClusterNotFoundException", async () => {
    const ecs = emu.emulator.service<EcsModule>("ecs");
    const stoppedArn = ecs.tasksAt("papyrus", "10.0.9.1")[0]?.arn;
    const [running, described, missing] = await Promise.all([
      cli("ecs", "list-tasks", "--cluster", "papyrus", "--service-name", "papyrus-task-service"),
      cli("ecs", "describe-tasks", "--cluster", "papyrus", "--tasks", stoppedArn as string),
      cli("ecs", "list-services", "--cluster", "ghost"),
    ]);
    // 130 tasks: the CLI had to follow nextToken past the 100-task page.
    expect((running.json.taskArns as string[]).length).toBe(130);
    const task = (described.json.tasks as Json[])[0];
    expect(task).toMatchObject({
      lastStatus: "STOPPED",
      stopCode: "EssentialContainerExited",
      group: "service:papyrus-task-service",
      containers: [expect.objectContaining({ exitCode: 3 })],
    });
    expect(task?.attachments[0].details).toContainEqual({ name: "privateIPv4Address", value: "10.0.9.1" });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("(ClusterNotFoundException)");
  });

  it("Secrets Manager by partial ARN and a SecureString parameter with decryption", async () => {
    const [value, parameter] = await Promise.all([
      cli(
        "secretsmanager",
        "get-secret-value",
        "--secret-id",
        "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db",
      ),
      cli("ssm", "get-parameter", "--name", "/papyrus/api-key", "--with-decryption"),
    ]);
    expect(value.json.ARN).toBe("arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf");
    expect(JSON.parse(value.json.SecretString as string)).toEqual({ username: "app", password: "pw" });
    expect(parameter.json.Parameter).toMatchObject({ Type: "SecureString", Value: "k-1" });
  });

  it("RDS: instance endpoint and managed secret, cluster endpoints, all parameters through Marker, DBInstanceNotFound", async () => {
    const [instances, clusters, parameters, missing] = await Promise.all([
      cli("rds", "describe-db-instances", "--db-instance-identifier", "papyrus-db"),
      cli("rds", "describe-db-clusters"),
      cli("rds", "describe-db-parameters", "--db-parameter-group-name", "papyrus-pg16"),
      cli("rds", "describe-db-instances", "--db-instance-identifier", "ghost"),
    ]);
    expect((instances.json.DBInstances as Json[])[0]).toMatchObject({
      DBName: "papyrus",
      MasterUsername: "papyrus_admin",
      Endpoint: { Address: "127.0.0.1", Port: 54329 },
      DBParameterGroups: [{ DBParameterGroupName: "papyrus-pg16", ParameterApplyStatus: "in-sync" }],
      MasterUserSecret: { SecretStatus: "active", SecretArn: expect.stringMatching(/:secret:rds!db-/) },
    });
    const cluster = (clusters.json.DBClusters as Json[])[0];
    expect(cluster?.Endpoint).toMatch(/^papyrus-aurora\.cluster-[a-z0-9]{12}\.us-west-2\.rds\.amazonaws\.com$/);
    expect(cluster?.DatabaseName).toBe("papyrus");
    const all = parameters.json.Parameters as { ParameterName: string; ParameterValue?: string; Source: string }[];
    expect(all.length).toBeGreaterThan(100);
    expect(all.find((p) => p.ParameterName === "rds.force_ssl")).toMatchObject({ ParameterValue: "1", Source: "user" });
    expect(missing.stderr).toContain("(DBInstanceNotFound)");
    expect(missing.stderr).toContain("DBInstance ghost not found.");
  });
});
