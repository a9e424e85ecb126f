import { ACMClient, DescribeCertificateCommand } from "@aws-sdk/client-acm";
import { CloudFormationClient, ListExportsCommand } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeSubnetsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeServicesCommand, ECSClient, ServerException } from "@aws-sdk/client-ecs";
import {
  CreateLoadBalancerCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  InvalidTargetException,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetRoleCommand, IAMClient, InvalidInputException } from "@aws-sdk/client-iam";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import {
  GetSecretValueCommand,
  InvalidParameterException,
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
import {
  AwsOperationError,
  AwsUserError,
  awsErrorCode,
  awsException,
  ConfigurationError,
  userErrorKind,
} from "../../src/lib/errors";

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

/**
 * Errors as AWS sends them, read by the SDK's own deserializers: query-protocol services (ELBv2, IAM) send the
 * wire code in <Code> (`InvalidTarget`) while the SDK names the modelled class `InvalidTargetException`, EC2 sends
 * <Response><Errors>, JSON services send `__type`. Codes from the API references' Errors sections:
 * ELBv2 RegisterTargets InvalidTarget (InvalidTargetException, HTTP 400), CreateLoadBalancer
 * InvalidConfigurationRequest / InvalidSubnet / InvalidSecurityGroup; IAM InvalidInput (InvalidInputException,
 * HTTP 400); Secrets Manager InvalidParameterException (HTTP 400); EC2 InvalidParameterValue and, for a request
 * built wrongly, MissingParameter.
 */
describe("AWS errors off the wire: whose they are", () => {
  async function answer(status: number, headers: Record<string, string>, body: string) {
    const { HttpResponse } = await import("@smithy/core/protocols");
    const { Readable } = await import("node:stream");
    return {
      response: new HttpResponse({
        statusCode: status,
        headers: { "x-amzn-requestid": "r-1", ...headers },
        body: Readable.from([Buffer.from(body)]),
      }),
    };
  }
  /** Client options whose every request is answered with `status`, `headers`, `body` (one attempt). */
  const answering = (status: number, headers: Record<string, string>, body: string) => ({
    ...awsClientConfig({ region, maxAttempts: 1 }),
    credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
    requestHandler: { handle: () => answer(status, headers, body) },
  });
  const queryError = (ns: string, code: string, message: string) =>
    `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;
  const ELB_NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
  const xml = { "content-type": "text/xml" };

  const elb = (code: string, message: string) =>
    withOperationNames(new ElasticLoadBalancingV2Client(answering(400, xml, queryError(ELB_NS, code, message))));

  it("ELBv2 InvalidTarget (InvalidTargetException) is the user's, a validation error", async () => {
    const error = await elb("InvalidTarget", "The IP address 10.9.9.9 is not in the VPC's CIDR")
      .send(
        new RegisterTargetsCommand({
          TargetGroupArn: "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/tg/0123456789abcdef",
          Targets: [{ Id: "10.9.9.9" }],
        }),
      )
      .catch((e: unknown) => e);
    expect(awsException(error)).toBeInstanceOf(InvalidTargetException);
    expect(awsErrorCode(error)).toBe("InvalidTarget");
    expect(userErrorKind(error)).toBe("validation");
    expect(error).toBeInstanceOf(AwsUserError);
    expect((error as AwsUserError).kind).toBe("validation");
    expect((error as Error).message).toBe(
      "elasticloadbalancing:RegisterTargets failed: InvalidTarget: The IP address 10.9.9.9 is not in the VPC's CIDR",
    );
  });

  it.each([
    [
      "InvalidConfigurationRequest",
      "A load balancer cannot be attached to multiple subnets in the same Availability Zone",
    ],
    ["InvalidSubnet", "Subnet subnet-0bad is not in the VPC"],
    ["InvalidSecurityGroup", "The security group sg-0bad does not exist"],
  ])("ELBv2 %s from CreateLoadBalancer is the user's", async (code, message) => {
    const error = await elb(code, message)
      .send(new CreateLoadBalancerCommand({ Name: "smoke", Subnets: ["subnet-0bad"] }))
      .catch((e: unknown) => e);
    expect(awsErrorCode(error)).toBe(code);
    expect(error).toBeInstanceOf(AwsUserError);
    expect((error as AwsUserError).kind).toBe("validation");
  });

  it("IAM InvalidInput (InvalidInputException) is the user's", async () => {
    const iam = withOperationNames(
      new IAMClient(
        answering(400, xml, queryError("https://iam.amazonaws.com/doc/2010-05-08/", "InvalidInput", "bad role name")),
      ),
    );
    const error = await iam.send(new GetRoleCommand({ RoleName: "r" })).catch((e: unknown) => e);
    expect(awsException(error)).toBeInstanceOf(InvalidInputException);
    expect(error).toBeInstanceOf(AwsUserError);
    expect((error as AwsUserError).kind).toBe("validation");
  });

  it("Secrets Manager InvalidParameterException (JSON protocol) is the user's", async () => {
    const sm = withOperationNames(
      new SecretsManagerClient(
        answering(
          400,
          { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": "InvalidParameterException" },
          JSON.stringify({ __type: "InvalidParameterException", Message: "You provided an invalid value" }),
        ),
      ),
    );
    const error = await sm.send(new GetSecretValueCommand({ SecretId: "s" })).catch((e: unknown) => e);
    expect(awsException(error)).toBeInstanceOf(InvalidParameterException);
    expect(error).toBeInstanceOf(AwsUserError);
    expect((error as AwsUserError).kind).toBe("validation");
  });

  const ec2 = (code: string, message: string) =>
    withOperationNames(
      new EC2Client(
        answering(
          400,
          xml,
          `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>r-1</RequestID></Response>`,
        ),
      ),
    );

  it("EC2 InvalidParameterValue is the user's; MissingParameter (a request built wrongly) is internal", async () => {
    const bad = await ec2("InvalidParameterValue", "Value (x) for parameter subnetIds is invalid")
      .send(new DescribeSubnetsCommand({ SubnetIds: ["x"] }))
      .catch((e: unknown) => e);
    expect(awsErrorCode(bad)).toBe("InvalidParameterValue");
    expect(bad).toBeInstanceOf(AwsUserError);
    const wrong = await ec2("MissingParameter", "The request must contain the parameter vpcId")
      .send(new DescribeSubnetsCommand({}))
      .catch((e: unknown) => e);
    expect(awsErrorCode(wrong)).toBe("MissingParameter");
    expect(wrong).toBeInstanceOf(AwsOperationError);
    expect(wrong).not.toBeInstanceOf(ConfigurationError);
  });

  it("ELBv2 LoadBalancerNotFound is a not-found; a 503 with a validation-looking code is not the user's", async () => {
    const missing = await elb("LoadBalancerNotFound", "One or more load balancers not found")
      .send(new DescribeTargetGroupsCommand({ LoadBalancerArn: "arn:x" }))
      .catch((e: unknown) => e);
    expect((missing as AwsUserError).kind).toBe("not-found");
    const unavailable = withOperationNames(
      new ElasticLoadBalancingV2Client(answering(503, xml, queryError(ELB_NS, "InvalidTarget", "try again"))),
    );
    const error = await unavailable.send(new DescribeTargetGroupsCommand({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsOperationError);
  });
});
