import { DefaultArtifactClient } from "@actions/artifact";
import * as core from "@actions/core";
import type { MaskDeps } from "./run";
import { callerAccount, fetchSecrets } from "./secrets";

/** Positive integer from the environment, or undefined. */
function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const n = Number(env[name]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The real runner, AWS and artifact service. */
export function runnerDeps(env: NodeJS.ProcessEnv = process.env): MaskDeps {
  const chunkBytes = envNumber(env, "ECS_ALB_SMOKE_MASK_CHUNK_BYTES");
  const pauseMs = envNumber(env, "ECS_ALB_SMOKE_MASK_TEST_PAUSE_MS");
  return {
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    setSecret: core.setSecret,
    info: core.info,
    warning: (m) => core.warning(m),
    error: (m, where) => core.error(m, { file: where.file, startLine: where.line, title: "evidence-mask" }),
    writeSummary: async (markdown) => {
      if (env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown).write();
    },
    callerAccount,
    fetchSecrets: (ids, region) => fetchSecrets(ids, region),
    uploadArtifact: async (name, files, root, retentionDays) => {
      const client = new DefaultArtifactClient();
      const res = await client.uploadArtifact(name, files, root, retentionDays ? { retentionDays } : {});
      if (res.id === undefined) throw new Error("the artifact service returned no artifact ID");
      return { id: res.id, size: res.size };
    },
    ...(chunkBytes !== undefined ? { chunkBytes } : {}),
    ...(pauseMs !== undefined ? { pauseMs } : {}),
  };
}
