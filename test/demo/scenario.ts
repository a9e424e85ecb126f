/**
 * The embedded default: the papyrus service of ../shared/CONTEXT.md as an
 * emulator scenario — an ECS service whose two RUNNING tasks are real sample-app
 * processes, the task security group, the execution role and the DB secret, the
 * RDS instance (with rds.force_ssl=1) pointing at the real PostgreSQL, and the
 * CI role whose only permissions are the suite's documented policies.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PostgresServer } from "../fixtures/postgres";
import { ROOT } from "../harness/runner";

export const ACCOUNT = "123456789012";
export const REGION = "us-west-2";
export const CI_ACCESS_KEY = "AKIAALBSMOKECI000001";
export const CI_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/alb-smoke-ci`;
export const PREFLIGHT_ACCESS_KEY = "AKIAPREFLIGHTRO00001";
export const PREFLIGHT_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/papyrus-preflight-readonly`;
export const TASK_SG = "sg-0a11ce5a11ce5a11c";
export const CLUSTER = "papyrus";
export const SERVICE = "papyrus-task-service";
export const SECRET_NAME = "papyrus/prd/db";
export const LOG_GROUP = "/ecs/papyrus";
export const RDS_ADDRESS = `papyrus-prd.c9akciq32xyz.${REGION}.rds.amazonaws.com`;

interface PolicyDocument {
  Version: string;
  Statement: Record<string, unknown>[];
}

function policy(path: string): PolicyDocument {
  return JSON.parse(readFileSync(join(ROOT, path), "utf8")) as PolicyDocument;
}

/**
 * The CI role's permissions: exactly the policies the action READMEs document
 * (one file per action, the single source of truth), so the demo proves that
 * they suffice for the whole cycle.
 */
export function ciRolePolicies(): Record<string, PolicyDocument> {
  const out: Record<string, PolicyDocument> = {};
  for (const name of ["ephemeral-alb", "register-fargate-targets", "http-evidence-probe", "iam-simulate-preflight"]) {
    out[name] = policy(`src/actions/${name}/iam-policy.json`);
  }
  // evidence-mask's policy names the caller's own secrets (actions/evidence-mask/README.md).
  out["evidence-mask"] = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadTheSecretsToMask",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET_NAME}-*`,
      },
    ],
  };
  return out;
}

export function taskDefinition(db: PostgresServer) {
  return {
    family: "papyrus-task",
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/papyrusTaskRole`,
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    cpu: "256",
    memory: "512",
    containerDefinitions: [
      {
        name: "papyrus-app",
        image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/papyrus-app:1.4.2`,
        essential: true,
        portMappings: [{ containerPort: 5000, protocol: "tcp" }],
        environment: [
          { name: "DB_NAME", value: db.database },
          { name: "PGSSLMODE", value: "require" },
        ],
        secrets: [
          {
            name: "DB_PASSWORD",
            valueFrom: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET_NAME}:password::`,
          },
          {
            name: "DB_USER",
            valueFrom: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET_NAME}:username::`,
          },
          { name: "APP_FLAGS", valueFrom: "/papyrus/prd/flags" },
        ],
        logConfiguration: {
          logDriver: "awslogs",
          options: { "awslogs-group": LOG_GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "app" },
        },
      },
    ],
  };
}

const trust = (service: string) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
});

const githubOidcTrust = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringLike: { "token.actions.githubusercontent.com:sub": "repo:octo-org/papyrus:*" } },
    },
  ],
};

export function demoScenario(opts: { db: PostgresServer; tasks: { address: string; port: number }[] }) {
  const { db } = opts;
  return {
    enforce: true,
    principals: { [CI_ACCESS_KEY]: CI_ROLE_ARN, [PREFLIGHT_ACCESS_KEY]: PREFLIGHT_ROLE_ARN },
    ec2: {
      securityGroups: [{ id: TASK_SG, name: "papyrus-task-sg", description: "papyrus Fargate tasks" }],
    },
    iam: {
      roles: [
        { name: "alb-smoke-ci", trustPolicy: githubOidcTrust, inlinePolicies: ciRolePolicies() },
        {
          name: "papyrus-preflight-readonly",
          trustPolicy: githubOidcTrust,
          inlinePolicies: {
            "iam-simulate-preflight": policy("src/actions/iam-simulate-preflight/iam-policy.json"),
            "secrets-rds-drift": policy("src/actions/secrets-rds-drift/iam-policy.json"),
          },
        },
        {
          name: "ecsTaskExecutionRole",
          trustPolicy: trust("ecs-tasks.amazonaws.com"),
          attachedPolicies: ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
          inlinePolicies: {
            "papyrus-secrets": {
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Action: "secretsmanager:GetSecretValue",
                  Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET_NAME}-*`,
                },
                {
                  Effect: "Allow",
                  Action: "ssm:GetParameters",
                  Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/papyrus/prd/*`,
                },
              ],
            },
          },
        },
        { name: "papyrusTaskRole", trustPolicy: trust("ecs-tasks.amazonaws.com") },
      ],
    },
    secretsmanager: {
      secrets: [
        {
          name: SECRET_NAME,
          value: {
            engine: "postgres",
            host: RDS_ADDRESS,
            port: 5432,
            dbname: db.database,
            username: db.user,
            password: db.password,
            dbInstanceIdentifier: "papyrus-prd",
          },
        },
      ],
    },
    ssm: { parameters: [{ name: "/papyrus/prd/flags", value: "checkout=on", type: "String" }] },
    // The app's log group (Terraform creates it with the service); the tasks' awslogs driver writes to it.
    logs: { logGroups: [{ name: LOG_GROUP, retentionInDays: 30 }] },
    rds: {
      parameterGroups: [{ name: "papyrus-pg15", family: "postgres15", parameters: { "rds.force_ssl": "1" } }],
      instances: [
        {
          id: "papyrus-prd",
          engine: "postgres",
          engineVersion: "15.8",
          dbName: db.database,
          masterUsername: db.user,
          address: RDS_ADDRESS,
          port: 5432,
          parameterGroup: "papyrus-pg15",
        },
      ],
    },
    ecs: {
      taskDefinitions: [taskDefinition(db)],
      clusters: [
        {
          name: CLUSTER,
          services: [
            {
              name: SERVICE,
              taskDefinition: "papyrus-task:1",
              desiredCount: opts.tasks.length,
              tasks: opts.tasks.map((t) => ({
                ip: t.address,
                port: t.port,
                lastStatus: "RUNNING",
                securityGroups: [TASK_SG],
              })),
            },
          ],
        },
      ],
    },
  };
}
