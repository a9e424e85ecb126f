import { ACMClient } from "@aws-sdk/client-acm";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsClientConfig, withOperationNames } from "../../lib/aws";
import { awsErrorCode } from "../../lib/errors";

export interface AlbClients {
  elb: ElasticLoadBalancingV2Client;
  ec2: EC2Client;
  /** Only read, and only with `certificate-arn`. */
  acm: ACMClient;
  /** Only to read the container port from the service's task definition (`cluster`/`service` given). */
  ecs: ECSClient;
}

export function albClients(region: string): AlbClients {
  return {
    elb: withOperationNames(new ElasticLoadBalancingV2Client(awsClientConfig({ region }))),
    ec2: withOperationNames(new EC2Client(awsClientConfig({ region }))),
    acm: withOperationNames(new ACMClient(awsClientConfig({ region }))),
    ecs: withOperationNames(new ECSClient(awsClientConfig({ region }))),
  };
}

/** Error codes that mean "that resource does not exist": for a delete, the job is done. */
const NOT_FOUND = new Set([
  "LoadBalancerNotFound",
  "TargetGroupNotFound",
  "ListenerNotFound",
  "InvalidGroup.NotFound",
  "InvalidGroupId.NotFound",
  "InvalidSecurityGroupRuleId.NotFound",
  "InvalidPermission.NotFound",
  "InvalidTarget",
]);

export function isNotFound(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code !== undefined && NOT_FOUND.has(code);
}
