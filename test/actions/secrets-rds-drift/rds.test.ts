import {
  DBInstanceNotFoundFault,
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  RDSClient,
  RDSServiceException,
} from "@aws-sdk/client-rds";
import { beforeEach, describe, expect, it } from "vitest";
import { type DbTarget, describeInstance, readForceSsl } from "../../../src/actions/secrets-rds-drift/rds";
import { withOperationNames } from "../../../src/lib/aws";
import { mockAws } from "../../harness/aws-mock";

const rds = mockAws(RDSClient);
const client = () => withOperationNames(new RDSClient({ region: "us-west-2" }));
const pg = (version: string, group?: DbTarget["parameterGroup"]): DbTarget => ({
  kind: "instance",
  identifier: "db",
  engine: "postgres",
  engineVersion: version,
  endpoints: [],
  ...(group ? { parameterGroup: group } : {}),
});
/** An error code RDS does not model: the SDK throws its base exception, named by the code. */
const fault = (name: string) => new RDSServiceException({ name, $fault: "client", $metadata: {}, message: name });

beforeEach(() => rds.reset());

describe("readForceSsl", () => {
  it("follows Marker to the page that holds rds.force_ssl", async () => {
    rds
      .on(DescribeDBParametersCommand, { DBParameterGroupName: "g", MaxRecords: 100 })
      .resolves({ Parameters: [{ ParameterName: "work_mem", ParameterValue: "4096" }], Marker: "m2" });
    rds
      .on(DescribeDBParametersCommand, { DBParameterGroupName: "g", MaxRecords: 100, Marker: "m2" })
      .resolves({ Parameters: [{ ParameterName: "rds.force_ssl", ParameterValue: "1" }] });
    expect(await readForceSsl(client(), pg("16.3", { name: "g", kind: "instance" }))).toMatchObject({
      parameter: "rds.force_ssl",
      value: "1",
      required: true,
    });
  });

  it("an unset rds.force_ssl: required on RDS for PostgreSQL 15+, not on 14", async () => {
    rds.on(DescribeDBParametersCommand).resolves({ Parameters: [{ ParameterName: "rds.force_ssl" }] });
    expect(await readForceSsl(client(), pg("16.3", { name: "g", kind: "instance" }))).toMatchObject({
      required: true,
      note: expect.stringContaining("15 and later"),
    });
    expect(await readForceSsl(client(), pg("14.10", { name: "g", kind: "instance" }))).toMatchObject({
      required: false,
    });
  });

  it("MySQL's require_secure_transport=ON counts; a cluster group is read with DescribeDBClusterParameters", async () => {
    rds
      .on(DescribeDBClusterParametersCommand)
      .resolves({ Parameters: [{ ParameterName: "require_secure_transport", ParameterValue: "ON" }] });
    const mysql: DbTarget = {
      ...pg("8.0"),
      kind: "cluster",
      engine: "aurora-mysql",
      parameterGroup: { name: "c", kind: "cluster" },
    };
    expect(await readForceSsl(client(), mysql)).toMatchObject({
      parameter: "require_secure_transport",
      required: true,
      parameterGroupKind: "cluster",
    });
  });

  it("an operation the endpoint does not support gives 'unknown', access denied names the call", async () => {
    rds.on(DescribeDBClusterParametersCommand).rejects(fault("InvalidAction"));
    const cluster: DbTarget = {
      ...pg("16.4"),
      kind: "cluster",
      engine: "aurora-postgresql",
      parameterGroup: { name: "c", kind: "cluster" },
    };
    expect(await readForceSsl(client(), cluster)).toMatchObject({
      required: false,
      note: expect.stringContaining("unknown"),
    });
    rds.on(DescribeDBParametersCommand).rejects(fault("AccessDenied"));
    await expect(readForceSsl(client(), pg("16.3", { name: "g", kind: "instance" }))).rejects.toThrow(
      /^rds:DescribeDBParameters was denied/,
    );
  });
});

describe("describeInstance", () => {
  it("an Aurora member instance resolves to its cluster, keeping its own endpoint", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: "papyrus-1",
          DBClusterIdentifier: "papyrus",
          Endpoint: { Address: "papyrus-1.x.us-west-2.rds.amazonaws.com" },
        },
      ],
    });
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: "papyrus",
          Engine: "aurora-postgresql",
          Endpoint: "w",
          ReaderEndpoint: "r",
          Port: 5432,
        },
      ],
    });
    const target = await describeInstance(client(), "papyrus-1", "db-instance-identifier input");
    expect(target).toMatchObject({ kind: "cluster", identifier: "papyrus" });
    expect(target.endpoints.map((e) => e.role)).toEqual(["writer", "reader", "instance"]);
  });

  it("an unknown instance is a clear error naming where the identifier came from", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejects(new DBInstanceNotFoundFault({ message: "DBInstance papyrus-db not found.", $metadata: {} }));
    await expect(describeInstance(client(), "papyrus-db", "secret's dbInstanceIdentifier")).rejects.toThrow(
      "RDS instance 'papyrus-db' (from the secret's dbInstanceIdentifier) was not found in this region.",
    );
  });
});
