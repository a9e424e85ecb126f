/** The tags every resource of the suite carries; sweep and the IAM policy's conditions key on them. */
export const TAG_RUN_ID = "ecs-alb-smoke:run-id";
export const TAG_EXPIRES_AT = "ecs-alb-smoke:expires-at";
export const TAG_REPOSITORY = "ecs-alb-smoke:repository";
/** The per-run, per-leg base name: groups the resources of one cycle for sweep. */
export const TAG_NAME = "ecs-alb-smoke:name";

export interface Tag {
  Key: string;
  Value: string;
}

export function tagValue(
  tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined,
  key: string,
) {
  return tags?.find((t) => t.Key === key)?.Value;
}
