/**
 * What a `uses:` of the suite's own actions and workflows points at in this
 * repository: `./actions/x` or `ecs-alb-smoke/ecs-alb-smoke/actions/x@ref`
 * (and the same for `.github/workflows/*.yml`). Third-party references give
 * undefined.
 */
const REPO = "ecs-alb-smoke/ecs-alb-smoke";

export function suiteActionDir(uses: string): string | undefined {
  const local = /^\.\/(actions\/[a-z0-9-]+)\/?$/.exec(uses);
  if (local) return local[1];
  return new RegExp(`^${REPO}/(actions/[a-z0-9-]+)@[^@]+$`).exec(uses)?.[1];
}

export function suiteWorkflow(uses: string): string | undefined {
  const local = /^\.\/(\.github\/workflows\/[a-z0-9-]+\.ya?ml)$/.exec(uses);
  if (local) return local[1];
  return new RegExp(`^${REPO}/(\\.github/workflows/[a-z0-9-]+\\.ya?ml)@[^@]+$`).exec(uses)?.[1];
}
