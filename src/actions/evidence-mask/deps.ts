import type { DefaultArtifactClient } from "@actions/artifact";
import type { ActionDeps, Log } from "../../lib/run-action";
import type { MaskDeps } from "./run";
import { callerAccount, fetchSecrets } from "./secrets";

/** Positive integer from the environment, or undefined. */
function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const n = Number(env[name]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** actions/upload-artifact's `overwrite`: best effort, a missing artifact is not an error and a failed delete shows up as the upload's conflict. */
async function deleteIfExists(client: DefaultArtifactClient, name: string, log: Log): Promise<void> {
  const { ArtifactNotFoundError } = await import(/* webpackChunkName: "actions-artifact" */ "@actions/artifact");
  try {
    await client.deleteArtifact(name);
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) log.debug(`No artifact '${name}' to overwrite.`);
    else log.debug(`Could not delete artifact '${name}': ${error instanceof Error ? error.message : String(error)}`);
  }
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
    uploadArtifact: async (name, files, root, { retentionDays, overwrite }) => {
      // Loaded only to upload: the artifact client and its Azure storage stack are most of the bundle,
      // and a step that only masks would otherwise carry them in memory throughout.
      const { DefaultArtifactClient } = await import(/* webpackChunkName: "actions-artifact" */ "@actions/artifact");
      const client = new DefaultArtifactClient();
      if (overwrite) await deleteIfExists(client, name, seam.log);
      const res = await client.uploadArtifact(name, files, root, retentionDays ? { retentionDays } : {});
      if (res.id === undefined) throw new Error("the artifact service returned no artifact ID");
      return { id: res.id, size: res.size, digest: res.digest };
    },
    artifactUrl: (id) =>
      `${env.GITHUB_SERVER_URL || "https://github.com"}/${env.GITHUB_REPOSITORY ?? ""}/actions/runs/${env.GITHUB_RUN_ID ?? ""}/artifacts/${id}`,
    ...(chunkBytes !== undefined ? { chunkBytes } : {}),
    ...(pauseMs !== undefined ? { pauseMs } : {}),
  };
}
