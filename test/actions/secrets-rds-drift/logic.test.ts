import { describe, expect, it } from "vitest";
import {
  compareFields,
  compareManagedSecret,
  compareTls,
  engineFamily,
  parsePort,
} from "../../../src/actions/secrets-rds-drift/compare";
import { readDriftInputs } from "../../../src/actions/secrets-rds-drift/inputs";
import type { DbTarget } from "../../../src/actions/secrets-rds-drift/rds";
import {
  DEFAULT_KEY_MAP,
  parseKeyMap,
  parseSecretString,
  sensitiveValues,
} from "../../../src/actions/secrets-rds-drift/secret";
import { containerTls, databaseContainers } from "../../../src/actions/secrets-rds-drift/tls-env";
import { maskRdsEndpoint, redactor } from "../../../src/lib/masking";
import { logMaskValues, MIN_MASKABLE_LENGTH } from "../../../src/lib/secret-policy";

const HOST = "papyrus-db.c9akciq32xyz.us-west-2.rds.amazonaws.com";
const instance: DbTarget = {
  kind: "instance",
  identifier: "papyrus-db",
  engine: "postgres",
  engineVersion: "16.3",
  port: 5432,
  dbName: "papyrus",
  masterUsername: "papyrus_admin",
  endpoints: [{ address: HOST, role: "instance" }],
};
const secretJson = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    engine: "postgres",
    host: HOST,
    port: 5432,
    dbname: "papyrus",
    username: "papyrus_admin",
    password: "s3cr3t-PW",
    ...over,
  });
const notManaged = { isCurrentMasterSecret: false, ownedByRds: false };
const verdicts = (json: string, target = instance, managed = notManaged) =>
  Object.fromEntries(
    compareFields(parseSecretString(json, "papyrus/db", DEFAULT_KEY_MAP), target, managed, maskRdsEndpoint).map((r) => [
      r.field,
      r.verdict,
    ]),
  );

describe("field comparison", () => {
  it("all equal", () => {
    expect(verdicts(secretJson())).toEqual({
      host: "matches",
      port: "matches",
      dbname: "matches",
      username: "matches",
      engine: "matches",
    });
  });

  it.each([
    ["host", { host: "old-db.c9akciq32xyz.us-west-2.rds.amazonaws.com" }],
    ["port", { port: 5433 }],
    ["dbname", { dbname: "papyrus_old" }],
    ["username", { username: "papyrus_app" }],
    ["engine", { engine: "mysql" }],
  ])("%s differing is reported as differs, and only that field", (field, over) => {
    const v = verdicts(secretJson(over));
    expect(v[field]).toBe("differs");
    expect(Object.entries(v).filter(([, x]) => x !== "matches")).toEqual([[field, "differs"]]);
  });

  it("port as a string, host in another case with a trailing dot, aurora-postgresql vs postgres", () => {
    const v = verdicts(secretJson({ port: " 5432 ", host: `${HOST.toUpperCase()}.`, engine: "aurora-postgresql" }));
    expect(v).toMatchObject({ port: "matches", host: "matches", engine: "matches" });
    expect(verdicts(secretJson({ port: "five" })).port).toBe("differs");
  });

  it("missing fields are missing; a managed master secret takes host, port and dbname from RDS", () => {
    const bare = JSON.stringify({ username: "papyrus_admin", password: "x" });
    expect(verdicts(bare)).toEqual({
      host: "missing",
      port: "missing",
      dbname: "missing",
      username: "matches",
      engine: "missing",
    });
    expect(verdicts(bare, instance, { isCurrentMasterSecret: true, ownedByRds: true })).toMatchObject({
      host: "from-rds",
      port: "from-rds",
      dbname: "from-rds",
    });
  });

  it("a cluster matches its writer or reader endpoint and masks both on the RDS side", () => {
    const cluster: DbTarget = {
      ...instance,
      kind: "cluster",
      engine: "aurora-postgresql",
      endpoints: [
        { address: "papyrus.cluster-c9akciq32xyz.us-west-2.rds.amazonaws.com", role: "writer" },
        { address: "papyrus.cluster-ro-c9akciq32xyz.us-west-2.rds.amazonaws.com", role: "reader" },
      ],
    };
    const rows = compareFields(
      parseSecretString(
        secretJson({ host: "papyrus.cluster-ro-c9akciq32xyz.us-west-2.rds.amazonaws.com" }),
        "s",
        DEFAULT_KEY_MAP,
      ),
      cluster,
      notManaged,
      maskRdsEndpoint,
    );
    expect(rows[0]).toMatchObject({
      field: "host",
      verdict: "matches",
      detail: "the reader endpoint",
      rds: "****.****.us-west-2.rds.amazonaws.com (writer), ****.****.us-west-2.rds.amazonaws.com (reader)",
    });
  });

  it("engine families and ports", () => {
    expect(engineFamily("aurora-mysql")).toBe(engineFamily("mariadb"));
    expect(engineFamily("aurora-postgresql")).not.toBe(engineFamily("aurora-mysql"));
    expect([parsePort("5432"), parsePort("70000"), parsePort("54a")]).toEqual([5432, undefined, undefined]);
  });
});

describe("managed master secret", () => {
  const managedTarget = {
    ...instance,
    masterUserSecret: { arn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!db-1-AbCdEf", status: "active" },
  };
  it("current and active matches; not active differs; another secret is stale", () => {
    expect(
      compareManagedSecret(managedTarget, { isCurrentMasterSecret: true, ownedByRds: true }).map((r) => r.verdict),
    ).toEqual(["matches", "matches"]);
    const rotating = { ...managedTarget, masterUserSecret: { ...managedTarget.masterUserSecret, status: "rotating" } };
    expect(compareManagedSecret(rotating, { isCurrentMasterSecret: true, ownedByRds: true })[1]).toMatchObject({
      field: "master-secret-status",
      verdict: "differs",
      rds: "rotating",
    });
    expect(compareManagedSecret(managedTarget, { isCurrentMasterSecret: false, ownedByRds: true })).toEqual([
      expect.objectContaining({ field: "master-secret", verdict: "differs", detail: expect.stringContaining("stale") }),
    ]);
    expect(compareManagedSecret(instance, notManaged)).toEqual([]);
  });
});

describe("TLS in the task definition", () => {
  const env = (pairs: Record<string, string>) => ({
    name: "web",
    environment: Object.entries(pairs).map(([name, value]) => ({ name, value })),
  });
  it("recognises PGSSLMODE, sslmode= in a URL and a DSN, and weak modes", () => {
    expect(containerTls(env({ PGSSLMODE: "require" })).verdict).toBe("matches");
    expect(containerTls(env({ PGSSLMODE: "verify-full" })).verdict).toBe("matches");
    expect(containerTls(env({ DATABASE_URL: "postgres://u:pw@h:5432/d?sslmode=verify-ca" }))).toEqual({
      container: "web",
      verdict: "matches",
      settings: ["DATABASE_URL (sslmode=verify-ca)"],
    });
    expect(containerTls(env({ DB_DSN: "host=h dbname=d sslmode=require" })).verdict).toBe("matches");
    expect(containerTls(env({ PGSSLMODE: "prefer" })).verdict).toBe("differs");
    expect(containerTls(env({ PGSSLMODE: "require", DATABASE_URL: "postgres://h/d?sslmode=disable" })).verdict).toBe(
      "differs",
    );
    expect(containerTls(env({ DB_HOST: "h", FLASK_ENV: "production" }))).toMatchObject({
      verdict: "missing",
      settings: [],
    });
  });

  it("never quotes a URL (it may carry a password)", () => {
    const c = containerTls(env({ DATABASE_URL: "postgres://u:hunter2@h/d?sslmode=require" }));
    expect(JSON.stringify(c)).not.toContain("hunter2");
  });

  it("checks the containers that reference the secret, else all", () => {
    const arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:papyrus/db-AbCdEf";
    const td = {
      containerDefinitions: [
        { name: "web", secrets: [{ name: "DB_PASSWORD", valueFrom: `${arn}:password::` }] },
        { name: "sidecar" },
      ],
    };
    expect(databaseContainers(td, arn, "papyrus/db").map((c) => c.name)).toEqual(["web"]);
    expect(databaseContainers(td, "arn:other", "other").map((c) => c.name)).toEqual(["web", "sidecar"]);
  });

  it("force_ssl=1 without a TLS setting is drift; force_ssl=0 is not required", () => {
    const forced = {
      parameterGroup: "papyrus-pg16",
      parameterGroupKind: "instance" as const,
      parameter: "rds.force_ssl",
      value: "1",
      required: true,
    };
    const row = compareTls(forced, [containerTls(env({ DB_HOST: "h" }))]);
    expect(row).toMatchObject({
      field: "tls",
      verdict: "missing",
      drift: true,
      rds: "rds.force_ssl=1 in papyrus-pg16",
    });
    expect(row.detail).toContain("web: no sslmode setting");
    expect(compareTls({ ...forced, value: "0", required: false }, [containerTls(env({}))])).toMatchObject({
      verdict: "not-required",
      drift: false,
    });
  });
});

describe("secret parsing and key-map", () => {
  it("reads aliases in order and custom key maps", () => {
    const c = parseSecretString(
      JSON.stringify({ hostname: "h", dbName: "d", user: "u", pass: "p", port: "5432" }),
      "s",
      DEFAULT_KEY_MAP,
    );
    expect(c.values).toEqual({ host: "h", dbname: "d", username: "u", password: "p", port: "5432" });
    expect(c.keys.dbname).toBe("dbName");
    const map = parseKeyMap({ host: "DB_HOST", username: ["DB_USER", "user"] });
    const d = parseSecretString(JSON.stringify({ DB_HOST: "h2", user: "u2", host: "ignored" }), "s", map);
    expect(d.values).toMatchObject({ host: "h2", username: "u2" });
  });

  it("rejects bad key maps naming the input", () => {
    expect(() => parseKeyMap(["host"])).toThrow(/^Input 'key-map': must be a YAML mapping/);
    expect(() => parseKeyMap({ hots: "x" })).toThrow(/^Input 'key-map': has unknown field 'hots'/);
    expect(() => parseKeyMap({ host: [1] })).toThrow(/^Input 'key-map': field 'host' must be a key name/);
  });

  it("errors on a non-JSON secret without quoting it", () => {
    expect(() => parseSecretString("hunter2 is the password", "papyrus/db", DEFAULT_KEY_MAP)).toThrow(
      /secret 'papyrus\/db' is not JSON/,
    );
    try {
      parseSecretString("hunter2 {", "papyrus/db", DEFAULT_KEY_MAP);
    } catch (error) {
      expect(String(error)).not.toContain("hunter2");
    }
  });

  it("masks every value but the engine, the port, the database name and identifiers", () => {
    const json = secretJson({ dbInstanceIdentifier: "papyrus-db", extra: { nested: "n3sted" } });
    const values = sensitiveValues(json, DEFAULT_KEY_MAP, parseSecretString(json, "s", DEFAULT_KEY_MAP));
    expect(values).toEqual(expect.arrayContaining([json, HOST, "papyrus_admin", "s3cr3t-PW", "n3sted"]));
    // The shared secret policy (src/lib/secret-policy.ts): the database name is public, as in evidence-mask.
    expect(values).not.toContain("papyrus");
    expect(values).not.toContain("postgres");
    expect(values).not.toContain("5432");
    expect(values).not.toContain("papyrus-db");
    expect(redactor(["s3cr3t", "s3cr3t-PW"])("a s3cr3t-PW b s3cr3t")).toBe("a *** b ***");
  });

  it("is exactly what the shared policy hands the log masker, with the key map's engine, port and dbname keys public", () => {
    const map = parseKeyMap({ dbname: "DB_SCHEMA_NAME", port: "DB_PORT", engine: "KIND" });
    const json = JSON.stringify({
      KIND: "aurora-postgresql",
      DB_PORT: "6543",
      DB_SCHEMA_NAME: "papyrus_reports",
      host: HOST,
      username: "papyrus_admin",
      password: "s3cr3t-PW",
      ssl: "on",
      region: "us-east-1",
      pin: "123",
    });
    const values = sensitiveValues(json, map, parseSecretString(json, "s", map));
    expect(values.sort()).toEqual(logMaskValues(json, ["KIND", "DB_PORT", "DB_SCHEMA_NAME"]).sort());
    expect(values).toEqual(expect.arrayContaining([json, HOST, "papyrus_admin", "s3cr3t-PW"]));
    for (const notSecret of ["aurora-postgresql", "6543", "papyrus_reports", "on", "us-east-1", "123"])
      expect(values).not.toContain(notSecret);
    expect(values.every((v) => v.length >= MIN_MASKABLE_LENGTH)).toBe(true);
  });

  it("keeps the password and user name it logs in with, whatever key the key map reads them from", () => {
    // A key-map that points the credentials at key names the policy would call public.
    const map = parseKeyMap({ password: "region", username: "dbName", dbname: "schema" });
    const json = JSON.stringify({ region: "s3cr3t-PW", dbName: "papyrus_admin", schema: "papyrus" });
    const values = sensitiveValues(json, map, parseSecretString(json, "s", map));
    expect(values).toEqual(expect.arrayContaining(["s3cr3t-PW", "papyrus_admin"]));
    expect(values).not.toContain("papyrus");
  });
});

describe("inputs", () => {
  const read = (inputs: Record<string, string>) =>
    readDriftInputs((n) => inputs[n] ?? "", { AWS_REGION: "us-west-2", GITHUB_WORKSPACE: "/tmp" });
  it("defaults", () => {
    expect(read({ "secret-id": "papyrus/db" })).toMatchObject({
      secretId: "papyrus/db",
      connectCheck: false,
      comment: true,
      failOn: "drift",
      region: "us-west-2",
      evidenceDir: "/tmp/evidence",
      keyMap: DEFAULT_KEY_MAP,
    });
  });
  it.each([
    [{}, /^Input 'secret-id': is required/],
    [
      { "secret-id": "a", "db-instance-identifier": "x", "db-cluster-identifier": "y" },
      /^Input 'db-cluster-identifier': cannot be set together with 'db-instance-identifier'/,
    ],
    [{ "secret-id": "a", "key-map": "host: [a\n" }, /^Input 'key-map': is not valid YAML/],
    [{ "secret-id": "a", "db-instance-identifier": "1bad_id" }, /^Input 'db-instance-identifier'/],
    [{ "secret-id": "a", "fail-on": "deny" }, /^Input 'fail-on'/],
    [
      { "secret-id": "a", "task-definition": "missing/taskdef.json" },
      /^Input 'task-definition': 'missing\/taskdef.json' is neither a file/,
    ],
    [{ "secret-id": "bad id with spaces" }, /^Input 'secret-id'/],
  ])("rejects %j", (inputs, message) => {
    expect(() => read(inputs)).toThrow(message);
  });
  it("task-definition: a family or an ARN is read from ECS", () => {
    expect(read({ "secret-id": "a", "task-definition": "papyrus-task:7" }).taskDefinition).toEqual({
      kind: "registered",
      id: "papyrus-task:7",
    });
  });
});
