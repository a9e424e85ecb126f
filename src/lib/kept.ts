/**
 * How ephemeral-alb's `keep: true` reaches register-fargate-targets' post
 * step in the same job: ephemeral-alb exports the kept target group's ARN in
 * this variable (GITHUB_ENV, so every later step and post step sees it), and
 * the register post step then leaves its targets registered — a kept ALB
 * with no targets would answer 503 to whoever debugs it.
 */
export const KEPT_TARGET_GROUPS_ENV = "ECS_ALB_SMOKE_KEPT_TARGET_GROUPS";

export function keptTargetGroups(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[KEPT_TARGET_GROUPS_ENV] ?? "").split(",").filter((a) => a.trim() !== "");
}
