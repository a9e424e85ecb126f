import type { RDSClient } from "@aws-sdk/client-rds";
import { ConfigurationError } from "../../lib/errors";
import { parseArn } from "../../lib/inputs";
import type { DriftInputs } from "./inputs";
import { type DbTarget, describeCluster, describeInstance, findTargetByHost, type TargetSource } from "./rds";
import type { SecretInUse } from "./read-secret";

/** `arn:aws:rds:us-west-2:123456789012:db:papyrus-db` -> `papyrus-db`. */
function identifierFromArn(arn: string): string {
  const resource = parseArn(arn)?.resource ?? arn;
  return resource.replace(/^(db|cluster):/, "");
}

/**
 * The RDS instance or cluster to compare with, in this order: the inputs; the
 * secret's own dbInstanceIdentifier / dbClusterIdentifier (RDS writes them);
 * the tags RDS puts on a managed master secret; finally the instance or
 * cluster whose endpoint is the secret's host.
 */
export async function resolveTarget(
  rds: RDSClient,
  inputs: Pick<DriftInputs, "target" | "secretId">,
  secret: SecretInUse,
): Promise<{ target: DbTarget; source: TargetSource }> {
  const via = async (kind: "instance" | "cluster", identifier: string, source: TargetSource) => ({
    target:
      kind === "instance"
        ? await describeInstance(rds, identifier, source)
        : await describeCluster(rds, identifier, source),
    source,
  });
  if (inputs.target) {
    return via(
      inputs.target.kind,
      inputs.target.identifier,
      `db-${inputs.target.kind}-identifier input` as TargetSource,
    );
  }
  const c = secret.contents;
  if (c.dbClusterIdentifier) return via("cluster", c.dbClusterIdentifier, "secret's dbClusterIdentifier");
  if (c.dbInstanceIdentifier) return via("instance", c.dbInstanceIdentifier, "secret's dbInstanceIdentifier");
  if (secret.rdsClusterArn) return via("cluster", identifierFromArn(secret.rdsClusterArn), "secret's RDS tags");
  if (secret.rdsInstanceArn) return via("instance", identifierFromArn(secret.rdsInstanceArn), "secret's RDS tags");
  if (c.values.host) {
    const target = await findTargetByHost(rds, c.values.host);
    if (target) return { target, source: "endpoint equal to the secret's host" };
  }
  throw new ConfigurationError(
    `Could not tell which RDS instance or cluster secret '${inputs.secretId}' belongs to: it has no dbInstanceIdentifier or dbClusterIdentifier key, no RDS tags, and ${c.values.host ? "no instance or cluster in this region has its host as an endpoint (the host itself may have drifted)" : "no host key"}. Set 'db-instance-identifier' or 'db-cluster-identifier'.`,
  );
}
