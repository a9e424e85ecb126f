/**
 * A planted-secret corpus: evidence files as the smoke workflow and its users
 * produce them, with known secrets planted in every form the issue lists, and
 * a file of look-alikes that must survive masking byte for byte.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const CALLER_ACCOUNT = "111122223333";
export const OTHER_ACCOUNT = "444455556666";
export const DB_PASSWORD = "Pg-p4ss!w0rd#2025";
export const API_SECRET = 'S3cr3t"Quote\\Slash/Plus+ Space';
export const ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
export const SESSION_KEY_ID = "ASIAQWERTYUIOPASDFGH";
export const SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
export const SESSION_TOKEN =
  "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLXdlc3QtMiJHMEUCIQDxTokenBodyForTestsOnly0123456789abcdefABCDEF+/xyz=";
export const JWT =
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvOm9jdG8tb3JnL3BhcHlydXMiLCJhdWQiOiJzdHMifQ.c2lnbmF0dXJlLXBsYW50ZWQtZm9yLXRlc3Rz";
export const GITHUB_TOKEN = "ghp_R4nd0mT0kenPlantedF0rTests0123456789";
export const COOKIE_VALUE = "session=9f8e7d6c5b4a39281706f5e4d3c2b1a0";
export const PEM_LINE = "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MqZ+plantedPEMline";
export const RDS_HOST = "papyrus-db.c9akciq32xyz.us-west-2.rds.amazonaws.com";
export const RDS_CLUSTER_HOST = "papyrus-cluster.cluster-ro-c9akciq32xyz.eu-central-1.rds.amazonaws.com";
export const BASIC_AUTH = Buffer.from(`papyrus_app:${DB_PASSWORD}`).toString("base64");

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** Every string that must not survive masking (the planted values and their encoded forms). */
export const PLANTED: readonly string[] = [
  CALLER_ACCOUNT,
  "1111-2222-3333",
  OTHER_ACCOUNT,
  "c9akciq32xyz",
  "papyrus-db.c9",
  "papyrus-cluster.cluster",
  DB_PASSWORD,
  encodeURIComponent(DB_PASSWORD),
  b64(DB_PASSWORD).replace(/=+$/, ""),
  API_SECRET,
  encodeURIComponent(API_SECRET),
  JSON.stringify(API_SECRET).slice(1, -1),
  b64(API_SECRET).replace(/=+$/, ""),
  ACCESS_KEY_ID,
  SESSION_KEY_ID,
  SECRET_ACCESS_KEY,
  SESSION_TOKEN.slice(0, 40),
  JWT.slice(0, 30),
  GITHUB_TOKEN,
  COOKIE_VALUE,
  "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
  PEM_LINE,
  BASIC_AUTH,
];

/** Look-alikes no rule may touch: digests, timestamps, ports, request IDs, 12-digit numbers outside ARNs. */
export const FALSE_POSITIVES = [
  "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
  "digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  "2025-11-05T06:32:10.123Z",
  "20251105_063210",
  "1730788330000",
  "port 5432, listener :80, target port 5000",
  "x-amzn-RequestId: 6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
  "RequestId: 0f3c2a1b-1234-4cde-8f00-aabbccddeeff",
  '"OrderNumber": 987654321098',
  "invoice 555566667777 paid",
  "arn:aws:s3:::papyrus-evidence-bucket/evidence/healthz.log",
  "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
  "Bearer tokens are described in RFC 6750",
  "the Authorization: header was missing (mid-line, prose)",
  "postgres://localhost:5432/papyrus",
  "AKIAEMULATOR00000001",
  "region us-west-2, engine postgres, family papyrus-task",
  "git sha 0123456789abcdef0123456789abcdef01234567",
];

function curlLog(path: string, body: string): string {
  return [
    "HTTP/1.1 200 OK",
    "Date: Wed, 05 Nov 2025 06:32:10 GMT",
    "Content-Type: application/json",
    `Set-Cookie: ${COOKIE_VALUE}; Path=/; HttpOnly; Secure`,
    "x-amzn-RequestId: 6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    "",
    body,
    "",
    `> GET ${path} HTTP/1.1`,
    `> Authorization: Bearer ${GITHUB_TOKEN}`,
    `> Cookie: ${COOKIE_VALUE}`,
    `> X-Amz-Security-Token: ${SESSION_TOKEN}`,
    `> Proxy-Authorization: Basic ${BASIC_AUTH}`,
  ].join("\r\n");
}

function describeDbInstances(): string {
  return JSON.stringify(
    {
      DBInstances: [
        {
          DBInstanceIdentifier: "papyrus-db",
          Engine: "postgres",
          Endpoint: { Address: RDS_HOST, Port: 5432, HostedZoneId: "Z1PVIF0B656C1W" },
          DBInstanceArn: `arn:aws:rds:us-west-2:${OTHER_ACCOUNT}:db:papyrus-db`,
          KmsKeyId: `arn:aws:kms:us-west-2:${OTHER_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
          MasterUserSecret: {
            SecretArn: `arn:aws:secretsmanager:us-west-2:${OTHER_ACCOUNT}:secret:rds!db-3f1e2a7c-AbCdEf`,
            SecretStatus: "active",
          },
          OwnerAccount: CALLER_ACCOUNT,
          ConsoleAccount: "1111-2222-3333",
          InstanceCreateTime: "2025-11-05T06:32:10.123Z",
        },
        { DBClusterIdentifier: "papyrus-cluster", ReaderEndpoint: RDS_CLUSTER_HOST },
      ],
    },
    null,
    2,
  );
}

function terraformState(): string {
  const secretString = JSON.stringify({ username: "papyrus_app", password: DB_PASSWORD, apiKey: API_SECRET });
  return JSON.stringify(
    {
      version: 4,
      serial: 42,
      resources: [
        {
          type: "aws_secretsmanager_secret_version",
          name: "db",
          instances: [
            {
              attributes: {
                secret_string: secretString,
                arn: `arn:aws:secretsmanager:us-west-2:${OTHER_ACCOUNT}:secret:papyrus/db-AbCdEf`,
              },
            },
          ],
        },
        {
          type: "aws_db_instance",
          name: "papyrus",
          instances: [
            { attributes: { address: RDS_HOST, port: 5432, password: DB_PASSWORD, username: "papyrus_app" } },
          ],
        },
        {
          type: "aws_iam_access_key",
          name: "ci",
          instances: [
            { attributes: { id: ACCESS_KEY_ID, secret: SECRET_ACCESS_KEY, SecretAccessKey: SECRET_ACCESS_KEY } },
          ],
        },
      ],
    },
    null,
    2,
  );
}

function cloudWatchLines(): string {
  const lines = [
    {
      timestamp: 1730788330000,
      message: `connecting to postgres://papyrus_app:${DB_PASSWORD}@${RDS_HOST}:5432/papyrus`,
    },
    {
      timestamp: 1730788331000,
      message: `retry with creds\nAKIAIOSFODNN7EXAMPLE ${SECRET_ACCESS_KEY}\nsession_token=${SESSION_TOKEN}`,
    },
    { timestamp: 1730788332000, message: `oidc token ${JWT}`, requestId: "0f3c2a1b-1234-4cde-8f00-aabbccddeeff" },
    {
      timestamp: 1730788333000,
      message: `callback ?password=${encodeURIComponent(DB_PASSWORD)}&key=${encodeURIComponent(API_SECRET)}`,
    },
    {
      timestamp: 1730788334000,
      message: `role arn%3Aaws%3Aiam%3A%3A${OTHER_ACCOUNT}%3Arole%2Fdeploy assumed by ${SESSION_KEY_ID}`,
    },
  ];
  return `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
}

function envDump(): string {
  return [
    "[default]",
    `aws_access_key_id = ${ACCESS_KEY_ID}`,
    `aws_secret_access_key = ${SECRET_ACCESS_KEY}`,
    `aws_session_token = ${SESSION_TOKEN}`,
    `AWS_ROLE_ARN=arn:aws:iam::${CALLER_ACCOUNT}:role/papyrus-ci`,
    `DATABASE_URL=postgresql://papyrus_app:${encodeURIComponent(DB_PASSWORD)}@${RDS_HOST}:5432/papyrus?sslmode=require`,
    "apiVersion: v1",
    "kind: Secret",
    "data:",
    `  apiKey: ${b64(API_SECRET)}`,
    `  dbPassword: ${b64(DB_PASSWORD)}`,
    "-----BEGIN RSA PRIVATE KEY-----",
    PEM_LINE,
    "uW8bHnDqK6XyZ1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1uV2wX3yZ4aB5cD6eF7==",
    "-----END RSA PRIVATE KEY-----",
    `tls_key = "-----BEGIN PRIVATE KEY-----\\n${PEM_LINE}\\nAbCdEf0123456789==\\n-----END PRIVATE KEY-----\\n"`,
    `image ${CALLER_ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/papyrus:1.4.2`,
    `token for api: ${API_SECRET}`,
  ].join("\n");
}

/** A large log with planted values scattered so that reads split some of them. */
export function bigLog(targetBytes: number): string {
  const parts: string[] = [];
  let size = 0;
  const plants = [
    `arn:aws:ecs:us-west-2:${OTHER_ACCOUNT}:task/papyrus/0a1b2c3d`,
    `host=${RDS_HOST}`,
    `aws_secret_access_key=${SECRET_ACCESS_KEY}`,
    `Authorization: Bearer ${GITHUB_TOKEN}`,
    `pw=${DB_PASSWORD}`,
    `jwt=${JWT}`,
    `key=${ACCESS_KEY_ID}`,
  ];
  for (let i = 0; size < targetBytes; i++) {
    const filler = `2025-11-05T06:32:${String(i % 60).padStart(2, "0")}.000Z INFO request ${i} served in ${(i * 7) % 97}ms port 5000`;
    const line = i % 13 === 0 ? `${filler} ${plants[i % plants.length]}` : filler;
    parts.push(line);
    size += line.length + 1;
  }
  return `${parts.join("\n")}\n`;
}

export const CORPUS_FILES: Record<string, () => string> = {
  "evidence/20251105_063210_healthz.log": () => curlLog("/healthz", '{"status":"ok"}'),
  "evidence/20251105_063210_dbcheck.log": () => curlLog("/dbcheck", '{"inserted":"SKU-APP","db":"papyrus"}'),
  "evidence/20251105_063210_describe_db_instances.json": describeDbInstances,
  "evidence/terraform.tfstate.json": terraformState,
  "evidence/20251105_063210_app_cloudwatch.jsonl": cloudWatchLines,
  "evidence/20251105_063210_env_dump.log": envDump,
  "evidence/nested/20251105_063210_big.log": () => bigLog(300_000),
  "evidence/20251105_063210_false_positives.log": () => `${FALSE_POSITIVES.join("\n")}\n`,
};

export function writeCorpus(workspace: string, files: Record<string, () => string> = CORPUS_FILES): string[] {
  const written: string[] = [];
  for (const [rel, make] of Object.entries(files)) {
    const path = join(workspace, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, make());
    written.push(rel);
  }
  return written;
}

/** The planted strings found in a text (empty when masking worked). */
export function plantedIn(text: string): string[] {
  return PLANTED.filter((p) => text.includes(p));
}
