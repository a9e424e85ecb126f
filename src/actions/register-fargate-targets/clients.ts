import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsClientConfig, withOperationNames } from "../../lib/aws";
import type { Clients } from "./run";

export function registerClients(region: string): Clients {
  return {
    ecs: withOperationNames(new ECSClient(awsClientConfig({ region }))),
    elb: withOperationNames(new ElasticLoadBalancingV2Client(awsClientConfig({ region }))),
    ec2: withOperationNames(new EC2Client(awsClientConfig({ region }))),
  };
}
