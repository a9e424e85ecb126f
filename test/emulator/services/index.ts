import type { ServiceFactory } from "../types";
import { createAcm } from "./acm";
import { createCloudFormation } from "./cloudformation";
import { createEc2 } from "./ec2";
import { createEcs } from "./ecs";
import { createElbv2 } from "./elbv2";
import { createIam } from "./iam";
import { createKms } from "./kms";
import { createLogs } from "./logs";
import { createRds } from "./rds";
import { createSecretsManager } from "./secretsmanager";
import { createSsm } from "./ssm";
import { createSts } from "./sts";

export const serviceFactories: ServiceFactory[] = [
  createSts,
  createIam,
  createEc2,
  createElbv2,
  createEcs,
  createSecretsManager,
  createSsm,
  createRds,
  createCloudFormation,
  createKms,
  createLogs,
  createAcm,
];
