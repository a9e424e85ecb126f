import { ECSClient } from "@aws-sdk/client-ecs";
import { RDSClient } from "@aws-sdk/client-rds";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsClientConfig, withOperationNames } from "../../lib/aws";

export interface DriftClients {
  secrets: SecretsManagerClient;
  rds: RDSClient;
  /** Only to read a registered task definition (`task-definition` given as a family or ARN). */
  ecs: () => ECSClient;
}

export function driftClients(region: string): DriftClients {
  const config = awsClientConfig({ region });
  return {
    secrets: withOperationNames(new SecretsManagerClient(config)),
    rds: withOperationNames(new RDSClient(config)),
    ecs: () => withOperationNames(new ECSClient(config)),
  };
}
