import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateDBClusterCommand,
  CreateDBClusterParameterGroupCommand,
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  DBClusterNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBParameterGroupAlreadyExistsFault,
  DBParameterGroupNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBClusterParameterGroupCommand,
  DeleteDBInstanceCommand,
  DeleteDBParameterGroupCommand,
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBParametersCommand,
  type DescribeDBParametersCommandInput,
  InvalidDBClusterStateFault,
  InvalidDBParameterGroupStateFault,
  ModifyDBClusterParameterGroupCommand,
  ModifyDBParameterGroupCommand,
  type Parameter,
  RDSClient,
} from "@aws-sdk/client-rds";
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spyAuthorizations } from "./authorizer-spy";
import { type RunningEmulator, startEmulator } from "./server";

const SECRET_KMS = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

let emu: RunningEmulator;
let rds: RDSClient;
let sm: SecretsManagerClient;

beforeAll(async () => {
  emu = await startEmulator({
    timeScale: 0.0002,
    scenario: {
      rds: {
        parameterGroups: [
          { name: "papyrus-pg16", family: "postgres16", parameters: { "rds.force_ssl": "1" } },
          { name: "papyrus-aurora", family: "aurora-postgresql16", cluster: true, parameters: { "rds.force_ssl": 1 } },
        ],
        clusters: [
          {
            id: "papyrus-aurora",
            databaseName: "papyrus",
            masterUsername: "aurora_admin",
            parameterGroup: "papyrus-aurora",
            masterUserSecret: { kmsKeyId: SECRET_KMS },
          },
        ],
        instances: [
          {
            id: "papyrus-db",
            engine: "postgres",
            engineVersion: "16.3",
            dbName: "papyrus",
            masterUsername: "papyrus_admin",
            address: "127.0.0.1",
            port: 54329,
            parameterGroup: "papyrus-pg16",
            securityGroups: ["sg-0db0000000000001"],
            masterUserSecret: { password: "real-pg-password", arnSuffix: "Xy12Ab" },
          },
          { id: "legacy-db", engine: "postgres", engineVersion: "14.10", masterUsername: "admin" },
          { id: "papyrus-aurora-1", clusterId: "papyrus-aurora" },
        ],
      },
    },
  });
  rds = new RDSClient({ endpoint: emu.endpoint, region: "us-west-2" });
  sm = new SecretsManagerClient({ endpoint: emu.endpoint, region: "us-west-2" });
});
afterAll(() => emu.stop());

async function allParameters(input: DescribeDBParametersCommandInput): Promise<Parameter[]> {
  const out: Parameter[] = [];
  let Marker: string | undefined;
  for (let pageNo = 0; pageNo < 10; pageNo++) {
    const page = await rds.send(new DescribeDBParametersCommand({ ...input, ...(Marker ? { Marker } : {}) }));
    out.push(...(page.Parameters ?? []));
    Marker = page.Marker;
    if (!Marker) break;
  }
  return out;
}

describe("RDS emulator: instances", () => {
  it("describes an instance pointing at a loopback PostgreSQL, with its managed master secret", async () => {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "papyrus-db" }));
    expect(out.DBInstances).toHaveLength(1);
    const db = out.DBInstances?.[0];
    expect(db).toMatchObject({
      DBInstanceIdentifier: "papyrus-db",
      DBInstanceArn: "arn:aws:rds:us-west-2:123456789012:db:papyrus-db",
      Engine: "postgres",
      EngineVersion: "16.3",
      DBInstanceStatus: "available",
      DBName: "papyrus",
      MasterUsername: "papyrus_admin",
      Endpoint: { Address: "127.0.0.1", Port: 54329, HostedZoneId: "Z1PVIF0B656C1W" },
      DBParameterGroups: [{ DBParameterGroupName: "papyrus-pg16", ParameterApplyStatus: "in-sync" }],
      VpcSecurityGroups: [{ VpcSecurityGroupId: "sg-0db0000000000001", Status: "active" }],
      StorageEncrypted: false,
      PubliclyAccessible: false,
    });
    expect(db?.InstanceCreateTime).toBeInstanceOf(Date);
    const secret = db?.MasterUserSecret;
    expect(secret?.SecretStatus).toBe("active");
    expect(secret?.SecretArn).toMatch(
      /^arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!db-[0-9a-f-]{36}-Xy12Ab$/,
    );
    const value = await sm.send(new GetSecretValueCommand({ SecretId: secret?.SecretArn }));
    expect(JSON.parse(value.SecretString ?? "")).toEqual({ username: "papyrus_admin", password: "real-pg-password" });
    // Without MasterUserSecretKmsKeyId: the AWS managed key aws/secretsmanager. DescribeSecret omits KmsKeyId for it;
    // RDS names the managed key's ARN.
    const described = await sm.send(new DescribeSecretCommand({ SecretId: secret?.SecretArn }));
    expect(described).toMatchObject({ OwningService: "rds" });
    expect(described).not.toHaveProperty("KmsKeyId");
    const kms = new KMSClient({ endpoint: emu.endpoint, region: "us-west-2" });
    const managed = await kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/secretsmanager" }));
    kms.destroy();
    expect(managed.KeyMetadata?.KeyManager).toBe("AWS");
    expect(secret?.KmsKeyId).toBe(managed.KeyMetadata?.Arn);
    expect(described.Tags).toEqual([{ Key: "aws:rds:primaryDBInstanceArn", Value: db?.DBInstanceArn }]);
  });

  it("gives default endpoints AWS's shape, one random part per account and region", async () => {
    const all = await rds.send(new DescribeDBInstancesCommand({}));
    expect(all.DBInstances?.map((d) => d.DBInstanceIdentifier)).toEqual([
      "papyrus-db",
      "legacy-db",
      "papyrus-aurora-1",
    ]);
    const legacy = all.DBInstances?.[1];
    const m = /^legacy-db\.([a-z0-9]{12})\.us-west-2\.rds\.amazonaws\.com$/.exec(legacy?.Endpoint?.Address ?? "");
    expect(m).not.toBeNull();
    expect(legacy?.Endpoint?.Port).toBe(5432);
    expect(legacy?.DBParameterGroups?.[0]?.DBParameterGroupName).toBe("default.postgres14");
    const member = all.DBInstances?.[2];
    expect(member).toMatchObject({
      DBClusterIdentifier: "papyrus-aurora",
      Engine: "aurora-postgresql",
      DBName: "papyrus",
    });
    expect(member?.Endpoint?.Address).toBe(`papyrus-aurora-1.${m?.[1]}.us-west-2.rds.amazonaws.com`);
    const filtered = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: "db-cluster-id", Values: ["papyrus-aurora"] }] }),
    );
    expect(filtered.DBInstances?.map((d) => d.DBInstanceIdentifier)).toEqual(["papyrus-aurora-1"]);
    const paged = await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 20 }));
    expect(paged.Marker).toBeUndefined();
    await expect(rds.send(new DescribeDBInstancesCommand({ MaxRecords: 5 }))).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
  });

  it("answers DBInstanceNotFound with 404 and AWS's message", async () => {
    const call = rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "nope" }));
    await expect(call).rejects.toBeInstanceOf(DBInstanceNotFoundFault);
    await expect(call).rejects.toThrow("DBInstance nope not found.");
    await expect(call).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it("creates an instance with a managed master secret: creating, then available; deleting drops the secret", async () => {
    await rds.send(
      new CreateDBParameterGroupCommand({
        DBParameterGroupName: "smoke-pg",
        DBParameterGroupFamily: "postgres16",
        Description: "smoke",
      }),
    );
    const created = await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "smoke-db",
        DBInstanceClass: "db.t4g.micro",
        Engine: "postgres",
        EngineVersion: "16.3",
        DBName: "smoke",
        MasterUsername: "smoke_admin",
        ManageMasterUserPassword: true,
        DBParameterGroupName: "smoke-pg",
        VpcSecurityGroupIds: ["sg-1", "sg-2"],
        Tags: [{ Key: "purpose", Value: "smoke" }],
      }),
    );
    expect(created.DBInstance?.DBInstanceStatus).toBe("creating");
    expect(created.DBInstance?.Endpoint).toBeUndefined();
    expect(created.DBInstance?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual(["sg-1", "sg-2"]);
    expect(created.DBInstance?.TagList).toEqual([{ Key: "purpose", Value: "smoke" }]);
    const secretArn = created.DBInstance?.MasterUserSecret?.SecretArn as string;
    expect(secretArn).toMatch(/:secret:rds!db-[0-9a-f-]{36}-[A-Za-z0-9]{6}$/);
    const secret = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? "");
    expect(secret.username).toBe("smoke_admin");
    expect(secret.password).toMatch(/^[A-Za-z0-9]{28}$/);
    let status = "creating";
    for (let i = 0; i < 50 && status === "creating"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "smoke-db" }));
      status = out.DBInstances?.[0]?.DBInstanceStatus ?? "";
      if (status === "available") expect(out.DBInstances?.[0]?.Endpoint?.Port).toBe(5432);
    }
    expect(status).toBe("available");
    await expect(
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: "smoke-db",
          DBInstanceClass: "db.t4g.micro",
          Engine: "postgres",
          MasterUsername: "x",
          MasterUserPassword: "longenoughpassword",
        }),
      ),
    ).rejects.toBeInstanceOf(DBInstanceAlreadyExistsFault);
    await expect(
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: "bad--id",
          DBInstanceClass: "db.t4g.micro",
          Engine: "postgres",
          MasterUsername: "x",
          MasterUserPassword: "longenoughpassword",
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await expect(
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: "other-db",
          DBInstanceClass: "db.t4g.micro",
          Engine: "postgres",
          MasterUsername: "x",
          MasterUserPassword: "longenoughpassword",
          DBParameterGroupName: "missing-pg",
        }),
      ),
    ).rejects.toBeInstanceOf(DBParameterGroupNotFoundFault);
    expect(emu.emulator.leftovers().rds?.sort()).toEqual([
      "arn:aws:rds:us-west-2:123456789012:db:smoke-db",
      "arn:aws:rds:us-west-2:123456789012:pg:smoke-pg",
    ]);
    await expect(
      rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: "smoke-pg" })),
    ).rejects.toBeInstanceOf(InvalidDBParameterGroupStateFault);
    await expect(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "smoke-db" }))).rejects.toMatchObject({
      name: "InvalidParameterCombination",
    });
    const deleted = await rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: "smoke-db", SkipFinalSnapshot: true }),
    );
    expect(deleted.DBInstance?.DBInstanceStatus).toBe("deleting");
    await rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: "smoke-pg" }));
    await expect(sm.send(new GetSecretValueCommand({ SecretId: secretArn }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    expect(emu.emulator.leftovers()).toEqual({});
  });
});

describe("RDS emulator: clusters", () => {
  it("describes a cluster with endpoints, members, its parameter group and managed secret", async () => {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "papyrus-aurora" }));
    const cluster = out.DBClusters?.[0];
    expect(cluster).toMatchObject({
      DBClusterIdentifier: "papyrus-aurora",
      DBClusterArn: "arn:aws:rds:us-west-2:123456789012:cluster:papyrus-aurora",
      Engine: "aurora-postgresql",
      DatabaseName: "papyrus",
      MasterUsername: "aurora_admin",
      Port: 5432,
      Status: "available",
      DBClusterParameterGroup: "papyrus-aurora",
      DBClusterMembers: [
        { DBInstanceIdentifier: "papyrus-aurora-1", IsClusterWriter: true, DBClusterParameterGroupStatus: "in-sync" },
      ],
      MasterUserSecret: { SecretStatus: "active", KmsKeyId: SECRET_KMS },
    });
    expect(cluster?.Endpoint).toMatch(/^papyrus-aurora\.cluster-[a-z0-9]{12}\.us-west-2\.rds\.amazonaws\.com$/);
    expect(cluster?.ReaderEndpoint).toMatch(
      /^papyrus-aurora\.cluster-ro-[a-z0-9]{12}\.us-west-2\.rds\.amazonaws\.com$/,
    );
    expect(cluster?.AvailabilityZones).toHaveLength(3);
    const secret = await sm.send(new GetSecretValueCommand({ SecretId: cluster?.MasterUserSecret?.SecretArn }));
    expect(JSON.parse(secret.SecretString ?? "").username).toBe("aurora_admin");
    // With a key given, Secrets Manager names it too.
    const described = await sm.send(new DescribeSecretCommand({ SecretId: cluster?.MasterUserSecret?.SecretArn }));
    expect(described.KmsKeyId).toBe(SECRET_KMS);
    expect(secret.Name).toMatch(/^rds!cluster-/);
    const call = rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "ghost" }));
    await expect(call).rejects.toBeInstanceOf(DBClusterNotFoundFault);
    await expect(call).rejects.toThrow("DBCluster ghost not found.");
  });

  it("creates a cluster and a member, refusing to delete the cluster while it has members", async () => {
    const created = await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: "smoke-cluster",
        Engine: "aurora-postgresql",
        EngineVersion: "16.2",
        DatabaseName: "smoke",
        MasterUsername: "smoke_admin",
        ManageMasterUserPassword: true,
        MasterUserSecretKmsKeyId: SECRET_KMS,
      }),
    );
    expect(created.DBCluster).toMatchObject({
      Status: "creating",
      DBClusterParameterGroup: "default.aurora-postgresql16",
    });
    expect(created.DBCluster?.MasterUserSecret?.KmsKeyId).toBe(SECRET_KMS);
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "smoke-cluster-1",
        DBInstanceClass: "db.r6g.large",
        Engine: "aurora-postgresql",
        DBClusterIdentifier: "smoke-cluster",
      }),
    );
    const members = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "smoke-cluster" }));
    expect(members.DBClusters?.[0]?.DBClusterMembers?.map((m) => m.DBInstanceIdentifier)).toEqual(["smoke-cluster-1"]);
    await expect(
      rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "smoke-cluster", SkipFinalSnapshot: true })),
    ).rejects.toBeInstanceOf(InvalidDBClusterStateFault);
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "smoke-cluster-1" }));
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "smoke-cluster", SkipFinalSnapshot: true }));
    expect(emu.emulator.leftovers()).toEqual({});
  });
});

describe("RDS emulator: parameter groups", () => {
  it("pages DescribeDBParameters: rds.force_ssl is past the first 100 parameters", async () => {
    const first = await rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: "papyrus-pg16" }));
    expect(first.Parameters).toHaveLength(100);
    expect(first.Marker).toBeTruthy();
    expect(first.Parameters?.some((p) => p.ParameterName === "rds.force_ssl")).toBe(false);
    const all = await allParameters({ DBParameterGroupName: "papyrus-pg16" });
    expect(all.length).toBeGreaterThan(100);
    expect(all.find((p) => p.ParameterName === "rds.force_ssl")).toMatchObject({
      ParameterValue: "1",
      Source: "user",
      ApplyType: "dynamic",
      DataType: "boolean",
      IsModifiable: true,
    });
    const user = await rds.send(
      new DescribeDBParametersCommand({ DBParameterGroupName: "papyrus-pg16", Source: "user" }),
    );
    expect(user.Parameters?.map((p) => p.ParameterName)).toEqual(["rds.force_ssl"]);
  });

  it("shows engine defaults: rds.force_ssl is 0 before PostgreSQL 15, 1 from 15", async () => {
    const old = await allParameters({ DBParameterGroupName: "default.postgres14" });
    expect(old.find((p) => p.ParameterName === "rds.force_ssl")).toMatchObject({
      ParameterValue: "0",
      Source: "engine-default",
    });
    await rds.send(
      new CreateDBParameterGroupCommand({
        DBParameterGroupName: "pg17",
        DBParameterGroupFamily: "postgres17",
        Description: "x",
      }),
    );
    const recent = await allParameters({ DBParameterGroupName: "pg17" });
    expect(recent.find((p) => p.ParameterName === "rds.force_ssl")?.ParameterValue).toBe("1");
    await rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: "pg17" }));
  });

  it("creates and modifies parameter groups, refusing what RDS refuses", async () => {
    const created = await rds.send(
      new CreateDBParameterGroupCommand({
        DBParameterGroupName: "tls-pg",
        DBParameterGroupFamily: "postgres16",
        Description: "TLS",
      }),
    );
    expect(created.DBParameterGroup).toMatchObject({
      DBParameterGroupName: "tls-pg",
      DBParameterGroupFamily: "postgres16",
      DBParameterGroupArn: "arn:aws:rds:us-west-2:123456789012:pg:tls-pg",
    });
    await expect(
      rds.send(
        new CreateDBParameterGroupCommand({
          DBParameterGroupName: "tls-pg",
          DBParameterGroupFamily: "postgres16",
          Description: "x",
        }),
      ),
    ).rejects.toBeInstanceOf(DBParameterGroupAlreadyExistsFault);
    const modified = await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: "tls-pg",
        Parameters: [
          { ParameterName: "rds.force_ssl", ParameterValue: "1", ApplyMethod: "immediate" },
          { ParameterName: "max_connections", ParameterValue: "200", ApplyMethod: "pending-reboot" },
        ],
      }),
    );
    expect(modified.DBParameterGroupName).toBe("tls-pg");
    const user = await rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: "tls-pg", Source: "user" }));
    expect(user.Parameters?.map((p) => [p.ParameterName, p.ParameterValue, p.ApplyMethod])).toEqual([
      ["max_connections", "200", "pending-reboot"],
      ["rds.force_ssl", "1", "immediate"],
    ]);
    const refusals: [Parameter, string][] = [
      [
        { ParameterName: "max_connections", ParameterValue: "300", ApplyMethod: "immediate" },
        "InvalidParameterCombination",
      ],
      [{ ParameterName: "no_such_thing", ParameterValue: "1", ApplyMethod: "immediate" }, "InvalidParameterValue"],
      [{ ParameterName: "rds.force_ssl", ParameterValue: "yes", ApplyMethod: "immediate" }, "InvalidParameterValue"],
    ];
    for (const [parameter, code] of refusals)
      await expect(
        rds.send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: "tls-pg", Parameters: [parameter] })),
      ).rejects.toMatchObject({ name: code });
    await expect(
      rds.send(
        new ModifyDBParameterGroupCommand({
          DBParameterGroupName: "default.postgres14",
          Parameters: [{ ParameterName: "rds.force_ssl", ParameterValue: "1", ApplyMethod: "immediate" }],
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await expect(rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: "missing" }))).rejects.toBeInstanceOf(
      DBParameterGroupNotFoundFault,
    );
    const groups = await rds.send(new DescribeDBParameterGroupsCommand({}));
    expect(groups.DBParameterGroups?.map((g) => g.DBParameterGroupName)).toEqual(
      expect.arrayContaining(["papyrus-pg16", "default.postgres14", "tls-pg"]),
    );
    await rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: "tls-pg" }));
  });

  it("handles DB cluster parameter groups the same way", async () => {
    const params = await rds.send(
      new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: "papyrus-aurora", Source: "user" }),
    );
    expect(params.Parameters?.map((p) => [p.ParameterName, p.ParameterValue])).toEqual([["rds.force_ssl", "1"]]);
    await rds.send(
      new CreateDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: "smoke-cpg",
        DBParameterGroupFamily: "aurora-postgresql16",
        Description: "x",
      }),
    );
    await rds.send(
      new ModifyDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: "smoke-cpg",
        Parameters: [{ ParameterName: "rds.force_ssl", ParameterValue: "0", ApplyMethod: "immediate" }],
      }),
    );
    const changed = await rds.send(
      new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: "smoke-cpg", Source: "user" }),
    );
    expect(changed.Parameters?.[0]).toMatchObject({ ParameterName: "rds.force_ssl", ParameterValue: "0" });
    expect(emu.emulator.leftovers().rds).toEqual(["arn:aws:rds:us-west-2:123456789012:cluster-pg:smoke-cpg"]);
    await rds.send(new DeleteDBClusterParameterGroupCommand({ DBClusterParameterGroupName: "smoke-cpg" }));
    await expect(
      rds.send(new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: "smoke-cpg" })),
    ).rejects.toBeInstanceOf(DBParameterGroupNotFoundFault);
  });
});

describe("RDS emulator: enforcement resources", () => {
  it("evaluates calls on db, cluster and pg ARNs and answers AccessDenied", async () => {
    const seen = await spyAuthorizations(
      emu,
      (action) => action === "rds:DescribeDBParameters",
      async () => {
        await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "papyrus-db" }));
        await rds.send(new DescribeDBInstancesCommand({}));
        await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "papyrus-aurora" }));
        await expect(
          rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: "papyrus-pg16" })),
        ).rejects.toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
      },
    );
    expect(seen.map((a) => [a.action, a.resources])).toEqual([
      ["rds:DescribeDBInstances", ["arn:aws:rds:us-west-2:123456789012:db:papyrus-db"]],
      ["rds:DescribeDBInstances", ["arn:aws:rds:us-west-2:123456789012:db:*"]],
      ["rds:DescribeDBClusters", ["arn:aws:rds:us-west-2:123456789012:cluster:papyrus-aurora"]],
      ["rds:DescribeDBParameters", ["arn:aws:rds:us-west-2:123456789012:pg:papyrus-pg16"]],
    ]);
  });

  it("is emptied by a reset, managed secrets included, with a new endpoint part", async () => {
    const before = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "legacy-db" })))
      .DBInstances?.[0];
    await emu.emulator.reset();
    expect(emu.emulator.state().rds).toEqual({ instances: [], clusters: [], parameterGroups: [] });
    expect(emu.emulator.state().secretsmanager).toEqual({ secrets: [] });
    await emu.emulator.loadScenario({ rds: { instances: [{ id: "legacy-db", masterUsername: "admin" }] } });
    const after = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "legacy-db" })))
      .DBInstances?.[0];
    expect(after?.Endpoint?.Address).not.toBe(before?.Endpoint?.Address);
  });
});
