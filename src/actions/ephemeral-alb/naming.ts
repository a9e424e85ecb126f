import { createHash } from "node:crypto";

/** ELBv2 load balancer and target group names: at most 32 characters. */
export const MAX_ELB_NAME = 32;
const SUFFIXES = { loadBalancer: "-alb", targetGroup: "-tg", securityGroup: "-alb-sg" } as const;
const HASH_LENGTH = 6;
/** `<prefix>-<hash>-alb` must fit in 32: the longest suffix ELBv2 names carry is `-alb`. */
export const MAX_PREFIX = MAX_ELB_NAME - 1 - HASH_LENGTH - SUFFIXES.loadBalancer.length;

export interface RunIdentity {
  repository: string;
  runId: string;
  runAttempt: string;
  job: string;
  /** The step's id within the job (GITHUB_ACTION): two ALBs in one job stay apart. */
  step: string;
  /** `leg` input: the matrix leg or service, so parallel legs of one job never collide. */
  leg: string;
  /**
   * RUNNER_NAME: jobs running at the same time run on different runners, so
   * matrix legs stay apart even when nobody set `leg` (a reusable workflow
   * called per leg has the same job and step ids in every leg).
   */
  runner: string;
}

export interface ResourceNames {
  /** `<prefix>-<hash>`: also the value of the `ecs-alb-smoke:name` tag. */
  base: string;
  loadBalancer: string;
  targetGroup: string;
  securityGroup: string;
}

/** A short, stable hash of everything that makes one cycle distinct from every other. */
export function cycleHash(id: RunIdentity): string {
  return createHash("sha256")
    .update([id.repository, id.runId, id.runAttempt, id.job, id.step, id.leg, id.runner].join("\n"))
    .digest("hex")
    .slice(0, HASH_LENGTH);
}

/**
 * The default prefix: the repository's name reduced to what ELBv2 accepts
 * (letters, digits, hyphens; no leading/trailing hyphen), cut to fit.
 */
export function defaultPrefix(repository: string): string {
  const repoName = repository.split("/").pop() ?? "";
  const cleaned = `eas-${repoName}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .slice(0, MAX_PREFIX)
    .replace(/-+$/, "");
  return cleaned === "eas" || cleaned === "" ? "eas" : cleaned;
}

/**
 * A start AWS reserves: ELBv2 names must not begin with `internal-` (CreateLoadBalancer, Name), and a
 * security group's name must not begin with `sg-` (CreateSecurityGroup, GroupName: "Can't start with sg-");
 * the group is named `<prefix>-<hash>-alb-sg`, so a prefix of just `sg` is refused too.
 */
function reservedStart(prefix: string): "internal-" | "sg-" | undefined {
  const p = `${prefix.toLowerCase()}-`;
  if (p.startsWith("internal-")) return "internal-";
  if (p.startsWith("sg-")) return "sg-";
  return undefined;
}

/** Why a prefix is unusable, or undefined when it is fine. */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix.length > MAX_PREFIX) {
    return `is ${prefix.length} characters; at most ${MAX_PREFIX} fit, because '-<6-char hash>-alb' is appended and ELBv2 names are limited to ${MAX_ELB_NAME}.`;
  }
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(prefix)) {
    return `'${prefix}' may contain only letters, digits and hyphens, and must not start or end with a hyphen.`;
  }
  const reserved = reservedStart(prefix);
  if (reserved === "internal-")
    return `'${prefix}' must not start with 'internal-' or be 'internal' (ELBv2 reserves names that start with 'internal-').`;
  if (reserved === "sg-")
    return `'${prefix}' must not start with 'sg-' or be 'sg': the security group is named '${prefix}-<hash>-alb-sg', and EC2 refuses group names that start with 'sg-'.`;
  return undefined;
}

export function resourceNames(prefix: string, id: RunIdentity): ResourceNames {
  return namesFromBase(`${prefix}-${cycleHash(id)}`);
}

/** The names of a cycle's load balancer, target group and security group, from its `<prefix>-<hash>` base. */
export function namesFromBase(base: string): ResourceNames {
  return {
    base,
    loadBalancer: `${base}${SUFFIXES.loadBalancer}`,
    targetGroup: `${base}${SUFFIXES.targetGroup}`,
    securityGroup: `${base}${SUFFIXES.securityGroup}`,
  };
}
