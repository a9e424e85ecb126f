/**
 * The papyrus account as the preflight tests see it: an execution role whose
 * policy covers the DB secret but not the API key the new revision added
 * (the incident), and a task definition file in the workspace.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Scenario } from "../../emulator/types";

export const ACCOUNT = "123456789012";
export const REGION = "us-west-2";
export const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`;
export const TASK_ROLE = `arn:aws:iam::${ACCOUNT}:role/papyrus-task-role`;
export const CI_ROLE = `arn:aws:iam::${ACCOUNT}:role/papyrus-ci`;
export const DB_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:papyrus/prd/db-AbCdEf`;
export const API_KEY_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:papyrus/prd/api-key-XyZ123`;
export const CMK = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111aaaa-2222-bbbb-3333-cccc4444dddd`;
export const ECS_TASKS_TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
};
export const EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

/** The execution role's own secrets policy: before the fix it lists only the DB secret. */
export function secretsPolicy(resources: string[], extra: unknown[] = []) {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadPapyrusSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: resources },
      ...extra,
    ],
  };
}

export function scenario(opts: {
  executionPolicy?: unknown;
  secrets?: { name: string; arnSuffix: string; kmsKeyId?: string; value?: string | undefined }[];
  roles?: NonNullable<Scenario["iam"]>["roles"];
  ssm?: unknown;
}): Scenario {
  return {
    iam: {
      roles: [
        {
          name: "ecsTaskExecutionRole",
          trustPolicy: ECS_TASKS_TRUST,
          inlinePolicies: { "papyrus-secrets": opts.executionPolicy ?? secretsPolicy([DB_SECRET]) },
          attachedPolicies: [EXECUTION_POLICY_ARN],
        },
        {
          name: "papyrus-task-role",
          trustPolicy: ECS_TASKS_TRUST,
          inlinePolicies: {
            "papyrus-params": {
              Version: "2012-10-17",
              Statement: [
                {
                  Sid: "ReadAppParameters",
                  Effect: "Allow",
                  Action: "ssm:GetParameter",
                  Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/papyrus/prd/*`,
                },
              ],
            },
          },
        },
        ...(opts.roles ?? []),
      ],
    },
    secretsmanager: {
      // A secret a task definition uses holds a value (one without any fails the preflight, as it fails ECS).
      secrets: opts.secrets?.map((x) => ({ value: `value-of-${x.name}`, ...x })) ?? [
        { name: "papyrus/prd/db", arnSuffix: "AbCdEf", value: { username: "papyrus", password: "pw" } },
        { name: "papyrus/prd/api-key", arnSuffix: "XyZ123", value: "k3y" },
      ],
    },
    ...(opts.ssm ? { ssm: opts.ssm } : {}),
    // The account's customer managed key CMK exists (and is enabled), as a key secrets are encrypted with does.
    kms: { keys: [{ id: CMK.split("/").pop() as string }] },
  };
}

export interface Container {
  name: string;
  image?: string;
  secrets?: { name: string; valueFrom: string }[];
  logConfiguration?: unknown;
  repositoryCredentials?: unknown;
  environmentFiles?: unknown[];
}

export function taskDefinition(containers: Container[], extra: Record<string, unknown> = {}) {
  return {
    family: "papyrus-task",
    executionRoleArn: EXECUTION_ROLE,
    taskRoleArn: TASK_ROLE,
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    cpu: "256",
    memory: "512",
    containerDefinitions: containers.map((c) => ({
      image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/papyrus:1`,
      ...c,
    })),
    ...extra,
  };
}

/** The incident's revision: the DB secret (with a JSON key) and the new API key secret. */
export function incidentTaskDefinition() {
  return taskDefinition([
    {
      name: "web",
      secrets: [
        { name: "DB_PASSWORD", valueFrom: `${DB_SECRET}:password::` },
        { name: "API_KEY", valueFrom: API_KEY_SECRET },
      ],
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": "/ecs/papyrus", "awslogs-region": REGION, "awslogs-stream-prefix": "web" },
      },
    },
  ]);
}

/** A workspace holding the task definition as a pretty-printed file (as teams commit it). */
export function workspaceWith(file: string, content: unknown): string {
  const workspace = mkdtempSync(join(tmpdir(), "preflight-ws-"));
  writeFile(workspace, file, content);
  return workspace;
}

export function writeFile(workspace: string, file: string, content: unknown): void {
  const path = join(workspace, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`);
}

/** 1-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const index = text.split("\n").findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`'${needle}' not found`);
  return index + 1;
}
