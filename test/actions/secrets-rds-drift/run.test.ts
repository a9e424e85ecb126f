import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTaskDefinitionCommand, ECSClient } from "@aws-sdk/client-ecs";
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from "@aws-sdk/client-secrets-manager";
import { beforeEach, describe, expect, it } from "vitest";
import { readDriftInputs } from "../../../src/actions/secrets-rds-drift/inputs";
import type { PgLoginResult } from "../../../src/actions/secrets-rds-drift/pg-login";
import { type DriftDeps, run } from "../../../src/actions/secrets-rds-drift/run";
import { withOperationNames } from "../../../src/lib/aws";
import { forReport } from "../../../src/lib/job-report";
import { mockAws } from "../../harness/aws-mock";
import { fakeDeps } from "../../harness/fake-deps";

const secrets = mockAws(SecretsManagerClient);
const rds = mockAws(RDSClient);
const ecs = mockAws(ECSClient);

const ARN = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf";
const HOST = "papyrus-db.c9akciq32xyz.us-west-2.rds.amazonaws.com";
const PASSWORD = "Pw-9f8e7d6c5b4a";
const SECRET = {
  engine: "postgres",
  host: HOST,
  port: "5432",
  dbname: "papyrus",
  username: "papyrus_admin",
  password: PASSWORD,
};

function instance(over: Record<string, unknown> = {}) {
  return {
    DBInstanceIdentifier: "papyrus-db",
    DBInstanceArn: "arn:aws:rds:us-west-2:123456789012:db:papyrus-db",
    Engine: "postgres",
    EngineVersion: "16.3",
    DBInstanceStatus: "available",
    Endpoint: { Address: HOST, Port: 5432 },
    DBName: "papyrus",
    MasterUsername: "papyrus_admin",
    DBParameterGroups: [{ DBParameterGroupName: "papyrus-pg16" }],
    ...over,
  };
}

let logs: string[];
let published: string[];
let setSecrets: string[];
let workspace: string;
function deps(login?: PgLoginResult): DriftDeps {
  const seam = fakeDeps();
  return {
    ...seam,
    log: {
      ...seam.log,
      secret: (v) => setSecrets.push(v),
      info: (m) => logs.push(m),
      warning: (m) => logs.push(`warning: ${m}`),
    },
    secrets: withOperationNames(new SecretsManagerClient({ region: "us-west-2" })),
    rds: withOperationNames(new RDSClient({ region: "us-west-2" })),
    ecs: () => withOperationNames(new ECSClient({ region: "us-west-2" })),
    login: async () =>
      login ?? { outcome: "success", message: "logged in", authMethod: "scram-sha-256", tlsProtocol: "TLSv1.3" },
    publish: async (markdown) => {
      // As publishReport writes it: through the job-report seam, which masks account IDs.
      published.push(forReport(markdown));
      return { comment: "disabled", commentTruncated: false, summaryWritten: true };
    },
  };
}

const inputs = (extra: Record<string, string> = {}) =>
  readDriftInputs((n) => ({ "secret-id": "papyrus/db", ...extra })[n] ?? "", {
    AWS_REGION: "us-west-2",
    GITHUB_WORKSPACE: workspace,
  });

function everything(result: unknown): string {
  const dir = join(workspace, "evidence");
  const files = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8"));
  return [JSON.stringify(result), ...files, ...published, ...logs].join("\n");
}

beforeEach(() => {
  secrets.reset();
  rds.reset();
  ecs.reset();
  logs = [];
  published = [];
  setSecrets = [];
  workspace = mkdtempSync(join(tmpdir(), "eas-drift-"));
  secrets.on(DescribeSecretCommand).resolves({ ARN, Name: "papyrus/db" });
  secrets.on(GetSecretValueCommand).resolves({ ARN, SecretString: JSON.stringify(SECRET) });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });
});

describe("run (SDK mocked)", () => {
  it("finds the instance by the secret's host across pages, passes, and shows no secret value", async () => {
    // Markers as sent: the SDK's paginator reuses one input object, so the call history shows only the last one.
    const markers: (string | undefined)[] = [];
    rds.on(DescribeDBInstancesCommand, { MaxRecords: 100 }).callsFake((input: { Marker?: string }) => {
      markers.push(input.Marker);
      return input.Marker === "p2"
        ? { DBInstances: [instance()] }
        : {
            DBInstances: [
              instance({ Endpoint: { Address: "other.c9akciq32xyz.us-west-2.rds.amazonaws.com", Port: 5432 } }),
            ],
            Marker: "p2",
          };
    });
    const result = await run(inputs({ "connect-check": "true" }), deps());
    expect(result.failure).toBeUndefined();
    expect(result.outputs.result).toBe("pass");
    expect(result.outputs.drift).toEqual({
      host: "matches",
      port: "matches",
      dbname: "matches",
      username: "matches",
      engine: "matches",
      login: "matches",
    });
    expect(setSecrets).toEqual(expect.arrayContaining([PASSWORD, HOST, "papyrus_admin"]));
    // The shared secret policy: the database name is not secret, so it is not blanked across the job log.
    expect(setSecrets).not.toContain("papyrus");
    const all = everything(result);
    for (const value of [PASSWORD, HOST, "papyrus_admin", "c9akciq32xyz", "123456789012"])
      expect(all).not.toContain(value);
    expect(all).toContain("****.****.us-west-2.rds.amazonaws.com");
    expect(markers).toEqual([undefined, "p2"]);
  });

  it("fails on drift with the fields named, and reports the wrong password's SQLSTATE with the user name hidden", async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ ...SECRET, dbInstanceIdentifier: "papyrus-db", dbname: "papyrus_v1" }),
    });
    const result = await run(
      inputs({ "connect-check": "true" }),
      deps({
        outcome: "rejected",
        sqlstate: "28P01",
        severity: "FATAL",
        message: 'password authentication failed for user "papyrus_admin"',
      }),
    );
    expect(result.outputs.drift).toMatchObject({ dbname: "differs", login: "differs" });
    expect(result.failure).toMatch(/disagrees with RDS instance papyrus-db: dbname differs, login differs/);
    expect(published[0]).toContain("28P01");
    expect(published[0]).toContain('password authentication failed for user "`***`"');
    expect(everything(result)).not.toContain("papyrus_admin");
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0]?.args[0].input).toEqual({
      DBInstanceIdentifier: "papyrus-db",
    });
  });

  it("redacts the password, user and host from the login message, not public fields or values under 4 characters", async () => {
    // `ssl: "on"` and `region` are public and `on` is too short to mask: blanking them gave `amaz***aws` and
    // `****.****.***.rds.amaz***aws.com`. The database name is public too (the shared secret policy).
    const east = "papyrus-db.c9akciq32xyz.us-east-1.rds.amazonaws.com";
    secrets.on(GetSecretValueCommand).resolves({
      ARN,
      SecretString: JSON.stringify({ ...SECRET, host: east, ssl: "on", region: "us-east-1", sslmode: "require" }),
    });
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [instance({ Endpoint: { Address: east, Port: 5432 } })] });
    const message = `no pg_hba.conf entry for host "${east}", user "papyrus_admin", database "papyrus", SSL on (region us-east-1, password ${PASSWORD})`;
    const result = await run(
      inputs({ "connect-check": "true" }),
      deps({ outcome: "rejected", sqlstate: "28000", severity: "FATAL", message }),
    );
    const login = (result.outputs.report as { login: { message: string } }).login;
    expect(login.message).toBe(
      'no pg_hba.conf entry for host "***", user "***", database "papyrus", SSL on (region us-east-1, password ***)',
    );
    const all = everything(result);
    expect(all).toContain("****.****.us-east-1.rds.amazonaws.com");
    expect(all).toContain('database "papyrus", SSL on (region us-east-1');
    expect(all).not.toContain("amaz***aws");
    for (const value of [PASSWORD, east, "papyrus_admin", "c9akciq32xyz"]) expect(all).not.toContain(value);
  });

  it("fail-on: never reports drift without failing", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ ...SECRET, port: 5433 }) });
    const result = await run(inputs({ "fail-on": "never" }), deps());
    expect(result.outputs.result).toBe("drift");
    expect(result.failure).toBeUndefined();
  });

  it("an Aurora cluster from the input: reader endpoint matches, DescribeDBClusters used", async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: "papyrus",
          Engine: "aurora-postgresql",
          Endpoint: "papyrus.cluster-c9akciq32xyz.us-west-2.rds.amazonaws.com",
          ReaderEndpoint: "papyrus.cluster-ro-c9akciq32xyz.us-west-2.rds.amazonaws.com",
          Port: 5432,
          DatabaseName: "papyrus",
          MasterUsername: "papyrus_admin",
        },
      ],
    });
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        ...SECRET,
        host: "papyrus.cluster-ro-c9akciq32xyz.us-west-2.rds.amazonaws.com",
      }),
    });
    const result = await run(inputs({ "db-cluster-identifier": "papyrus" }), deps());
    expect(result.outputs.result).toBe("pass");
    expect((result.outputs.report as { target: { kind: string } }).target.kind).toBe("cluster");
  });

  it("a registered task definition without TLS while rds.force_ssl=1 is drift", async () => {
    rds
      .on(DescribeDBParametersCommand)
      .resolves({ Parameters: [{ ParameterName: "rds.force_ssl", ParameterValue: "1" }] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        family: "papyrus-task",
        containerDefinitions: [{ name: "web", environment: [{ name: "DB_HOST", value: HOST }] }],
      },
    });
    const result = await run(inputs({ "task-definition": "papyrus-task:7" }), deps());
    expect(result.outputs.drift).toMatchObject({ tls: "missing" });
    expect(result.failure).toMatch(/tls missing/);
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0]?.args[0].input).toEqual({
      taskDefinition: "papyrus-task:7",
    });
  });

  it("a password too short to mask fails before anything is logged, naming the field, never the value", async () => {
    // Under MIN_MASKABLE_LENGTH the runner's log masker cannot take it (it would blank `abc` in every word), so the
    // step stops, as evidence-mask does: nothing it could print is left unmasked, and nothing is printed at all.
    secrets.on(GetSecretValueCommand).resolves({ ARN, SecretString: JSON.stringify({ ...SECRET, password: "q7" }) });
    const error = await run(inputs({ "connect-check": "true" }), deps()).catch((e: unknown) => e);
    expect(String(error)).toContain(
      "Input 'secret-id': secret 'papyrus/db' field 'password': shorter than 4 characters, too short for the runner's log masker",
    );
    expect(String(error)).toMatch(/Rotate the secret to a longer password/);
    expect(String(error)).not.toMatch(/\bq7\b/);
    expect(logs).toEqual([]);
    expect(published).toEqual([]);
    expect(rds.commandCalls(DescribeDBInstancesCommand)).toEqual([]);
    // Everything the policy can mask was registered before the step stopped.
    expect(setSecrets).toEqual(expect.arrayContaining([HOST, "papyrus_admin"]));
    expect(setSecrets).not.toContain("papyrus");
  });

  it.each(["abc\r\nxyz", "ab\ncd", "a-long-first-line\nxy"])(
    "a password on lines of which one is too short to mask (%j) fails the same way, before anything is logged",
    async (password) => {
      // The runner masks a value with a line break line by line only: a line under 4 characters stays in clear.
      secrets.on(GetSecretValueCommand).resolves({ ARN, SecretString: JSON.stringify({ ...SECRET, password }) });
      const error = await run(inputs({ "connect-check": "true" }), deps()).catch((e: unknown) => e);
      expect(String(error)).toContain(
        "Input 'secret-id': secret 'papyrus/db' field 'password': spans lines, and one of them is shorter than 4 characters",
      );
      for (const line of password.split(/\r?\n/)) expect(String(error)).not.toContain(line);
      expect(logs).toEqual([]);
      expect(rds.commandCalls(DescribeDBInstancesCommand)).toEqual([]);
    },
  );

  it("an unknown secret is an error naming it and the input", async () => {
    secrets
      .on(DescribeSecretCommand)
      .rejects(
        new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }),
      );
    await expect(run(inputs(), deps())).rejects.toThrow(
      "Input 'secret-id': secret 'papyrus/db' was not found in us-west-2",
    );
  });

  it("access denied on GetSecretValue names the permission", async () => {
    secrets.on(GetSecretValueCommand).rejects(
      new SecretsManagerServiceException({
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
        message: "not authorized",
      }),
    );
    await expect(run(inputs(), deps())).rejects.toThrow(/secretsmanager:GetSecretValue was denied/);
  });

  it("an unreachable DB makes the login unknown with a warning, not drift", async () => {
    const result = await run(
      inputs({ "connect-check": "true" }),
      deps({ outcome: "unreachable", message: "connect ETIMEDOUT" }),
    );
    expect(result.failure).toBeUndefined();
    expect(result.outputs.drift).toMatchObject({ login: "unknown" });
    expect(logs.some((l) => l.startsWith("warning: connect-check could not decide (unreachable)"))).toBe(true);
  });

  it("a host no instance or cluster has, and no identifiers: a clear error telling which input to set", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    await expect(run(inputs(), deps())).rejects.toThrow(
      /no instance or cluster in this region has its host as an endpoint \(the host itself may have drifted\)\. Set 'db-instance-identifier' or 'db-cluster-identifier'\./,
    );
  });
});
