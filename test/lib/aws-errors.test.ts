import { ACMClient, DescribeCertificateCommand } from "@aws-sdk/client-acm";
import { CloudFormationClient, ListExportsCommand } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeSubnetsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeServicesCommand, ECSClient, ServerException } from "@aws-sdk/client-ecs";
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { DescribeParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { ServiceException } from "@smithy/core/client";
import { describe, expect, it } from "vitest";
import { albClients } from "../../src/actions/ephemeral-alb/clients";
import { preflightIamClient } from "../../src/actions/iam-simulate-preflight/iam-client";
import { registerClients } from "../../src/actions/register-fargate-targets/clients";
import { awsClientConfig, withOperationNames } from "../../src/lib/aws";
import { AwsOperationError, AwsUserError, awsErrorCode, awsException, ConfigurationError } from "../../src/lib/errors";

const region = "us-west-2";
const denied = () =>
  new ServiceException({
    name: "AccessDenied",
    $fault: "client",
    $metadata: { httpStatusCode: 403 },
    message: "User: ci is not authorized",
  });

/** A client whose every request fails with `error` inside the SDK's own stack (after serialization). */
function failing<C extends { middlewareStack: { add: (mw: never, opts: object) => void } }>(
  client: C,
  error: () => unknown,
): C {
  client.middlewareStack.add(
    (() => async () => {
      throw error();
    }) as never,
    { step: "build", name: "testFailure" },
  );
  return client;
}

const cases: [string, () => Promise<unknown>][] = [
  [
    "elasticloadbalancing:DescribeTargetGroups",
    () =>
      failing(withOperationNames(new ElasticLoadBalancingV2Client({ region })), denied).send(
        new DescribeTargetGroupsCommand({}),
      ),
  ],
  [
    "ec2:DescribeSubnets",
    () => failing(withOperationNames(new EC2Client({ region })), denied).send(new DescribeSubnetsCommand({})),
  ],
  [
    "ecs:DescribeServices",
    () =>
      failing(withOperationNames(new ECSClient({ region })), denied).send(
        new DescribeServicesCommand({ services: ["s"] }),
      ),
  ],
  [
    "iam:GetRole",
    () => failing(withOperationNames(new IAMClient({ region })), denied).send(new GetRoleCommand({ RoleName: "r" })),
  ],
  [
    "sts:GetCallerIdentity",
    () => failing(withOperationNames(new STSClient({ region })), denied).send(new GetCallerIdentityCommand({})),
  ],
  [
    "secretsmanager:GetSecretValue",
    () =>
      failing(withOperationNames(new SecretsManagerClient({ region })), denied).send(
        new GetSecretValueCommand({ SecretId: "s" }),
      ),
  ],
  [
    "ssm:DescribeParameters",
    () => failing(withOperationNames(new SSMClient({ region })), denied).send(new DescribeParametersCommand({})),
  ],
  [
    "kms:DescribeKey",
    () => failing(withOperationNames(new KMSClient({ region })), denied).send(new DescribeKeyCommand({ KeyId: "k" })),
  ],
  [
    "rds:DescribeDBInstances",
    () => failing(withOperationNames(new RDSClient({ region })), denied).send(new DescribeDBInstancesCommand({})),
  ],
  [
    "logs:FilterLogEvents",
    () =>
      failing(withOperationNames(new CloudWatchLogsClient({ region })), denied).send(
        new FilterLogEventsCommand({ logGroupName: "g" }),
      ),
  ],
  [
    "acm:DescribeCertificate",
    () =>
      failing(withOperationNames(new ACMClient({ region })), denied).send(
        new DescribeCertificateCommand({ CertificateArn: "arn:aws:acm:us-west-2:123456789012:certificate/x" }),
      ),
  ],
  [
    "cloudformation:ListExports",
    () => failing(withOperationNames(new CloudFormationClient({ region })), denied).send(new ListExportsCommand({})),
  ],
];

describe("the operation-naming middleware (src/lib/aws.ts)", () => {
  it.each(cases)("names %s, as the IAM action, on an access denied (a user error)", async (operation, call) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsUserError);
    expect(error).toBeInstanceOf(ConfigurationError);
    const e = error as AwsUserError;
    expect(e.operation).toBe(operation);
    expect(e.message).toMatch(new RegExp(`^${operation} was denied \\(AccessDenied: User: ci is not authorized\\)`));
    expect(e.accessDenied).toBe(true);
    expect(awsException(e)).toBe(e.cause);
    expect(awsErrorCode(e)).toBe("AccessDenied");
  });

  /** A client that answers every request with HTTP 500 from ECS (JSON protocol), counting the requests. */
  function ecsAnswering500(maxAttempts: number) {
    const requests = { n: 0 };
    const requestHandler = {
      handle: async () => {
        requests.n++;
        const { HttpResponse } = await import("@smithy/core/protocols");
        const { Readable } = await import("node:stream");
        return {
          response: new HttpResponse({
            statusCode: 500,
            headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "r-1" },
            body: Readable.from([Buffer.from(JSON.stringify({ __type: "ServerException", message: "boom" }))]),
          }),
        };
      },
    };
    const client = withOperationNames(
      new ECSClient({
        ...awsClientConfig({
          region,
          maxAttempts,
          env: { ECS_ALB_SMOKE_RETRY_BASE_MS: "1", ECS_ALB_SMOKE_RETRY_CAP_MS: "1" },
        }),
        credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
        requestHandler,
      }),
    );
    return { client, requests };
  }

  it("a 500 is an internal error naming the operation, with the SDK's error as its cause", async () => {
    const { client } = ecsAnswering500(1);
    const error = await client.send(new DescribeServicesCommand({ services: ["s"] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsOperationError);
    expect(error).not.toBeInstanceOf(ConfigurationError);
    const e = error as AwsOperationError;
    expect(e.message).toBe("ecs:DescribeServices failed: ServerException: boom");
    expect(e.cause).toBeInstanceOf(ServerException);
    expect((e.cause as ServerException).$metadata.httpStatusCode).toBe(500);
  });

  it("names a call the SDK retried once, by its last error", async () => {
    const { client, requests } = ecsAnswering500(3);
    const error = (await client
      .send(new DescribeServicesCommand({ services: ["s"] }))
      .catch((e: unknown) => e)) as Error;
    expect(requests.n).toBe(3);
    expect(error.message).toBe("ecs:DescribeServices failed: ServerException: boom");
    expect(error.message.match(/ecs:DescribeServices/g)).toHaveLength(1);
    expect(error.cause).toBeInstanceOf(ServerException);
  });

  it("attaching twice does not name twice", async () => {
    const client = failing(
      withOperationNames(withOperationNames(new SecretsManagerClient({ region }))),
      () =>
        new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }),
    );
    const error = (await client.send(new GetSecretValueCommand({ SecretId: "s" })).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      "secretsmanager:GetSecretValue failed: ResourceNotFoundException: Secrets Manager can't find the specified secret.",
    );
    // A not-found of what the user named is theirs to fix; the SDK's class stays testable with instanceof.
    expect(error).toBeInstanceOf(AwsUserError);
    expect(awsException(error)).toBeInstanceOf(ResourceNotFoundException);
  });

  it("a request the suite built wrongly is an internal error, not the user's", async () => {
    const client = failing(
      withOperationNames(new ElasticLoadBalancingV2Client({ region })),
      () =>
        new ServiceException({
          name: "MissingParameter",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: "The request must contain the parameter Names",
        }),
    );
    const error = await client.send(new DescribeTargetGroupsCommand({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsOperationError);
    expect((error as Error).message).toBe(
      "elasticloadbalancing:DescribeTargetGroups failed: MissingParameter: The request must contain the parameter Names",
    );
  });

  it("every client the actions build carries it", () => {
    const named = (c: { middlewareStack: { identify: () => string[] } }) =>
      c.middlewareStack.identify().some((m) => m.startsWith("ecsAlbSmokeOperationErrors"));
    const alb = albClients(region);
    const reg = registerClients(region);
    for (const c of [alb.elb, alb.ec2, alb.acm, alb.ecs, reg.elb, reg.ec2, reg.ecs, preflightIamClient(region, {})]) {
      expect(c && named(c)).toBe(true);
    }
  });
});
