import type { ActionDeps } from "../../lib/run-action";
import { artifactUrl, uploadArtifact } from "./artifact";
import type { MaskDeps } from "./run";
import { callerAccount, fetchSecrets } from "./secrets";

/** Positive integer from the environment, or undefined. */
function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const n = Number(env[name]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The real runner, AWS and artifact service. */
export function actionDeps(seam: ActionDeps, env: NodeJS.ProcessEnv = process.env): MaskDeps {
  const chunkBytes = envNumber(env, "ECS_ALB_SMOKE_MASK_CHUNK_BYTES");
  const pauseMs = envNumber(env, "ECS_ALB_SMOKE_MASK_TEST_PAUSE_MS");
  return {
    ...seam,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    callerAccount,
    fetchSecrets: (ids, region) => fetchSecrets(ids, region),
    uploadArtifact: (name, files, root, opts) => uploadArtifact(name, files, root, opts, seam.log),
    artifactUrl: (id) => artifactUrl(id, env),
    ...(chunkBytes !== undefined ? { chunkBytes } : {}),
    ...(pauseMs !== undefined ? { pauseMs } : {}),
  };
}
