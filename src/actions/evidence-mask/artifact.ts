/**
 * The masked evidence as a workflow artifact, through the runner's artifact
 * service (`@actions/artifact`, as actions/upload-artifact uses it).
 */
import type { DefaultArtifactClient } from "@actions/artifact";
import type { Log } from "../../lib/run-action";
import type { UploadedArtifact } from "./run";

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

/** Uploads `files` (paths under `root`) as artifact `name`; with `overwrite`, an artifact of that name is deleted first. */
export async function uploadArtifact(
  name: string,
  files: string[],
  root: string,
  { retentionDays, overwrite }: { retentionDays: number | undefined; overwrite: boolean },
  log: Log,
): Promise<UploadedArtifact> {
  // Loaded only to upload: the artifact client and its Azure storage stack are most of the bundle,
  // and a step that only masks would otherwise carry them in memory throughout.
  const { DefaultArtifactClient } = await import(/* webpackChunkName: "actions-artifact" */ "@actions/artifact");
  const client = new DefaultArtifactClient();
  if (overwrite) await deleteIfExists(client, name, log);
  const res = await client.uploadArtifact(name, files, root, retentionDays ? { retentionDays } : {});
  if (res.id === undefined) throw new Error("the artifact service returned no artifact ID");
  return { id: res.id, size: res.size, digest: res.digest };
}

/** `<server>/<owner>/<repo>/actions/runs/<run id>/artifacts/<id>`, as actions/upload-artifact builds it. */
export function artifactUrl(id: number, env: NodeJS.ProcessEnv = process.env): string {
  return `${env.GITHUB_SERVER_URL || "https://github.com"}/${env.GITHUB_REPOSITORY ?? ""}/actions/runs/${env.GITHUB_RUN_ID ?? ""}/artifacts/${id}`;
}
