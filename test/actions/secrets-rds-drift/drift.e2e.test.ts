import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import type { SecretsManagerModule } from "../../emulator/services/secretsmanager";
import type { Scenario } from "../../emulator/types";
import { renderGfm, visibleText } from "../../harness/gfm";
import { errors, type RunOptions, runBundle } from "../../harness/runner";
import { everythingVisible, evidenceFiles, HOST, PASSWORD, scenario, secretValue, USERNAME } from "./scenario";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.stop());

async function drift(scn: Scenario, inputs: Record<string, string> = {}, opts: RunOptions = {}) {
  await emu.emulator.reset();
  await emu.emulator.loadScenario(scn);
  return runBundle("secrets-rds-drift", {
    ...opts,
    inputs: { "secret-id": "papyrus/prd/db", comment: "false", ...inputs },
    env: { AWS_ENDPOINT_URL: emu.endpoint, ...opts.env },
  });
}
/** The summary as a reader sees it: rendered, tags removed. */
const plain = (markdown: string) => visibleText(renderGfm(markdown));
const driftOf = (r: { outputs: Record<string, string> }) => JSON.parse(r.outputs.drift ?? "{}");

describe("secrets-rds-drift end to end (emulator)", () => {
  it("all equal: passes, finds the instance by the secret's host, and no secret value leaves the step", async () => {
    const r = await drift(scenario());
    expect(r.code, errors(r).join("\n")).toBe(0);
    expect(r.outputs.result).toBe("pass");
    expect(driftOf(r)).toEqual({
      host: "matches",
      port: "matches",
      dbname: "matches",
      username: "matches",
      engine: "matches",
    });
    const report = JSON.parse(r.outputs.report ?? "{}");
    expect(report.target).toMatchObject({
      kind: "instance",
      identifier: "papyrus-db",
      source: "endpoint equal to the secret's host",
    });
    expect(r.masked).toEqual(expect.arrayContaining([PASSWORD, HOST, USERNAME]));
    const visible = everythingVisible(r);
    for (const value of [PASSWORD, HOST, USERNAME, "c9akciq32xyz", "123456789012"])
      expect(visible).not.toContain(value);
    expect(r.summary).toContain("the secret agrees with RDS");
    expect(plain(r.summary)).toContain("****.****.us-west-2.rds.amazonaws.com (instance)");
    expect(evidenceFiles(r)).toEqual([expect.stringMatching(/^\d{8}_\d{6}_secrets_rds_drift\.json$/)]);
  });

  it.each([
    ["host", { host: "papyrus-db-old.c9akciq32xyz.us-west-2.rds.amazonaws.com", dbInstanceIdentifier: "papyrus-db" }],
    ["port", { port: 5433 }],
    ["dbname", { dbname: "papyrus_v1" }],
    ["username", { username: "papyrus_app" }],
    ["engine", { engine: "mysql" }],
  ])("%s differing: exit 1, that field differs, the others match", async (field, over) => {
    const r = await drift(scenario({ secret: secretValue(over) }));
    expect(r.code, errors(r).join("\n")).toBe(1);
    const verdicts = driftOf(r);
    expect(verdicts[field]).toBe("differs");
    expect(Object.entries(verdicts).filter(([, v]) => v !== "matches")).toEqual([[field, "differs"]]);
    expect(errors(r).at(-1)).toContain(`RDS instance papyrus-db: ${field} differs`);
    const visible = everythingVisible(r);
    for (const value of [PASSWORD, USERNAME, "papyrus_app", "papyrus_v1", "papyrus-db-old"])
      expect(visible).not.toContain(value);
  });

  it("port as a string matches; fail-on: never reports drift with exit 0", async () => {
    expect(driftOf(await drift(scenario({ secret: secretValue({ port: "5432" }) }))).port).toBe("matches");
    const r = await drift(scenario({ secret: secretValue({ port: "6432" }) }), { "fail-on": "never" });
    expect(r.code, errors(r).join("\n")).toBe(0);
    expect(r.outputs.result).toBe("drift");
  });

  it("a key-map for a secret with its own key names", async () => {
    const secret = { DB_HOST: HOST, DB_PORT: "5432", DB_NAME: "papyrus", DB_USER: USERNAME, DB_PASSWORD: PASSWORD };
    const r = await drift(scenario({ secret }), {
      "key-map": "host: DB_HOST\nport: DB_PORT\ndbname: DB_NAME\nusername: DB_USER\npassword: DB_PASSWORD\n",
    });
    expect(r.code, errors(r).join("\n")).toBe(0);
    expect(driftOf(r)).toMatchObject({ host: "matches", port: "matches", dbname: "matches", username: "matches" });
  });

  it("cluster: the secret's host is the reader endpoint; found by the host across clusters", async () => {
    const reader = "papyrus.cluster-ro-c9akciq32xyz.us-west-2.rds.amazonaws.com";
    const r = await drift({
      secretsmanager: {
        secrets: [{ name: "papyrus/prd/db", value: secretValue({ host: reader, engine: "postgres" }) }],
      },
      rds: {
        clusters: [
          {
            id: "papyrus",
            engine: "aurora-postgresql",
            engineVersion: "16.4",
            databaseName: "papyrus",
            masterUsername: USERNAME,
            address: "papyrus.cluster-c9akciq32xyz.us-west-2.rds.amazonaws.com",
            readerAddress: reader,
            port: 5432,
          },
        ],
      },
    });
    expect(r.code, errors(r).join("\n")).toBe(0);
    const report = JSON.parse(r.outputs.report ?? "{}");
    expect(report.target).toMatchObject({ kind: "cluster", identifier: "papyrus", engine: "aurora-postgresql" });
    expect(report.rows[0]).toMatchObject({ field: "host", verdict: "matches", detail: "the reader endpoint" });
    expect(driftOf(r).engine).toBe("matches");
  });

  it("cluster: the secret's host is an Aurora custom endpoint (DBCluster.CustomEndpoints); found by the host", async () => {
    await emu.emulator.reset();
    await emu.emulator.loadScenario({
      rds: {
        clusters: [
          {
            id: "papyrus",
            engine: "aurora-postgresql",
            databaseName: "papyrus",
            masterUsername: USERNAME,
            customEndpoints: ["analytics"],
            port: 5432,
          },
        ],
      },
    });
    const rds = new RDSClient({ endpoint: emu.endpoint, region: "us-west-2" });
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "papyrus" }))).DBClusters?.[0];
    const custom = cluster?.CustomEndpoints?.[0] as string;
    expect(custom).toMatch(/^analytics\.cluster-custom-[a-z0-9]{12}\.us-west-2\.rds\.amazonaws\.com$/);
    await emu.emulator.loadScenario({
      secretsmanager: {
        secrets: [{ name: "papyrus/prd/db", value: secretValue({ host: custom, engine: "postgres" }) }],
      },
    });
    const r = await runBundle("secrets-rds-drift", {
      inputs: { "secret-id": "papyrus/prd/db", comment: "false" },
      env: { AWS_ENDPOINT_URL: emu.endpoint },
    });
    expect(r.code, errors(r).join("\n")).toBe(0);
    const report = JSON.parse(r.outputs.report ?? "{}");
    expect(report.target).toMatchObject({ kind: "cluster", identifier: "papyrus" });
    expect(report.rows[0]).toMatchObject({ field: "host", verdict: "matches", detail: "the custom endpoint" });
  });

  it("managed master secret: the current one passes (host, port, dbname from RDS); a stale one is drift", async () => {
    const scn = scenario({ instance: { masterUserSecret: { password: PASSWORD } } });
    await emu.emulator.reset();
    await emu.emulator.loadScenario(scn);
    const rds = new RDSClient({ endpoint: emu.endpoint, region: "us-west-2" });
    const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "papyrus-db" }));
    const current = described.DBInstances?.[0]?.MasterUserSecret?.SecretArn ?? "";
    expect(current).toMatch(/:secret:rds!db-/);
    const sm = emu.emulator.service<SecretsManagerModule>("secretsmanager");
    const stale = sm.createSecret({
      name: "rds!db-00000000-old0-4000-8000-000000000000",
      secretString: JSON.stringify({ username: USERNAME, password: "the-old-password" }),
      owningService: "rds",
      tags: [{ Key: "aws:rds:primaryDBInstanceArn", Value: "arn:aws:rds:us-west-2:123456789012:db:papyrus-db" }],
    });
    const run = (secretId: string) =>
      runBundle("secrets-rds-drift", {
        inputs: { "secret-id": secretId, comment: "false" },
        env: { AWS_ENDPOINT_URL: emu.endpoint },
      });

    const ok = await run(current);
    expect(ok.code, errors(ok).join("\n")).toBe(0);
    expect(driftOf(ok)).toEqual({
      host: "from-rds",
      port: "from-rds",
      dbname: "from-rds",
      username: "matches",
      engine: "missing",
      "master-secret": "matches",
      "master-secret-status": "matches",
    });
    expect(JSON.parse(ok.outputs.report ?? "{}").target.source).toBe("secret's RDS tags");

    const old = await run(stale);
    expect(old.code, errors(old).join("\n")).toBe(1);
    expect(driftOf(old)["master-secret"]).toBe("differs");
    expect(plain(old.summary)).toContain("this one is stale");
    expect(everythingVisible(old)).not.toContain("the-old-password");
  });

  it("rds.force_ssl=1 and a task definition file without TLS: drift, annotation on the container's environment", async () => {
    const workspace = mkdtempSync(join(tmpdir(), "eas-ws-"));
    const td = {
      taskDefinition: {
        family: "papyrus-task",
        containerDefinitions: [
          {
            name: "web",
            image: "papyrus:1",
            environment: [{ name: "DB_HOST", value: HOST }],
            secrets: [
              {
                name: "DB_PASSWORD",
                valueFrom: "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/prd/db-AbCdEf:password::",
              },
            ],
          },
        ],
      },
    };
    writeFileSync(join(workspace, "taskdef.json"), JSON.stringify(td, null, 2));
    const r = await drift(scenario(), { "task-definition": "taskdef.json" }, { workspace });
    expect(r.code, errors(r).join("\n")).toBe(1);
    expect(driftOf(r).tls).toBe("missing");
    const annotation = r.annotations.find((a) => a.file === "taskdef.json");
    const lines = readFileSync(join(workspace, "taskdef.json"), "utf8").split("\n");
    expect(annotation?.line).toBeDefined();
    expect(lines[(annotation?.line ?? 0) - 1]).toContain('"environment"');
    expect(annotation?.message).toContain("Container 'web' does not require TLS");
    expect(plain(r.summary)).toContain("rds.force_ssl=1 in papyrus-pg16");
    // The emulator puts rds.force_ssl on the second page of parameters, as AWS does.
    expect(emu.emulator.requests.filter((q) => q.action === "DescribeDBParameters").length).toBeGreaterThanOrEqual(2);

    td.taskDefinition.containerDefinitions[0]?.environment.push({ name: "PGSSLMODE", value: "verify-full" });
    writeFileSync(join(workspace, "taskdef.json"), JSON.stringify(td, null, 2));
    const fixed = await drift(scenario(), { "task-definition": "taskdef.json" }, { workspace });
    expect(fixed.code, errors(fixed).join("\n")).toBe(0);
    expect(driftOf(fixed).tls).toBe("matches");
  });

  it("cluster parameter group forces TLS; a registered task definition (by family) with sslmode=disable is drift", async () => {
    const writer = "papyrus.cluster-c9akciq32xyz.us-west-2.rds.amazonaws.com";
    const taskDefinition = (env: { name: string; value: string }[]) => ({
      family: "papyrus-task",
      containerDefinitions: [{ name: "web", image: "papyrus:2", environment: env }],
    });
    const clusterScenario = (env: { name: string; value: string }[]): Scenario => ({
      secretsmanager: {
        secrets: [{ name: "papyrus/prd/db", value: secretValue({ host: writer, dbClusterIdentifier: "papyrus" }) }],
      },
      rds: {
        parameterGroups: [
          { name: "papyrus-aurora", family: "aurora-postgresql16", cluster: true, parameters: { "rds.force_ssl": 1 } },
        ],
        clusters: [
          {
            id: "papyrus",
            engine: "aurora-postgresql",
            databaseName: "papyrus",
            masterUsername: USERNAME,
            address: writer,
            port: 5432,
            parameterGroup: "papyrus-aurora",
          },
        ],
      },
      ecs: { taskDefinitions: [taskDefinition(env)] },
    });
    const r = await drift(
      clusterScenario([
        { name: "DATABASE_URL", value: `postgres://${USERNAME}:${PASSWORD}@${writer}:5432/papyrus?sslmode=disable` },
      ]),
      { "task-definition": "papyrus-task" },
    );
    expect(r.code).toBe(1);
    expect(driftOf(r).tls).toBe("differs");
    expect(plain(r.summary)).toContain("rds.force_ssl=1 in papyrus-aurora");
    expect(plain(r.summary)).toContain("DATABASE_URL (sslmode=disable)");
    expect(emu.emulator.requests.map((q) => q.action)).toEqual(
      expect.arrayContaining(["DescribeDBClusters", "DescribeDBClusterParameters", "DescribeTaskDefinition"]),
    );
    expect(everythingVisible(r)).not.toContain(PASSWORD);

    const fixed = await drift(clusterScenario([{ name: "PGSSLMODE", value: "require" }]), {
      "task-definition": "papyrus-task:1",
    });
    expect(fixed.code, errors(fixed).join("\n")).toBe(0);
    expect(driftOf(fixed).tls).toBe("matches");
  });
});
