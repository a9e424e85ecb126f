import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsClientConfig } from "../../lib/aws";
import type { Clients } from "./run";

export function registerClients(region: string): Clients {
  return {
    ecs: new ECSClient({ ...awsClientConfig({ region }) }),
    elb: new ElasticLoadBalancingV2Client({ ...awsClientConfig({ region }) }),
    ec2: new EC2Client({ ...awsClientConfig({ region }) }),
  };
}
