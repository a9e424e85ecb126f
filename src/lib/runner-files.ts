import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigurationError } from "./errors";

/** The runner's file commands an action writes: step summary, outputs, state (for its post step). */
export type RunnerFile = "GITHUB_STEP_SUMMARY" | "GITHUB_OUTPUT" | "GITHUB_STATE";

const WHAT: Record<RunnerFile, string> = {
  GITHUB_STEP_SUMMARY: "the job summary",
  GITHUB_OUTPUT: "the step outputs",
  GITHUB_STATE: "the state its post step destroys from",
};

function problem(path: string | undefined, file: boolean): string | undefined {
  if (!path) return "is not set";
  try {
    if (file) {
      // The runner creates each file before the step starts; a missing one is created on first write.
      try {
        if (!statSync(path).isFile()) return `(${path}) is not a file`;
        accessSync(path, constants.W_OK);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        accessSync(dirname(path), constants.W_OK);
      }
    } else {
      mkdirSync(path, { recursive: true });
      accessSync(path, constants.W_OK);
    }
    return undefined;
  } catch (error) {
    return `(${path}) is not writable: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
  }
}

/**
 * Checks, before anything is created, that everything the step will write at
 * the end can be written: an ALB created by a step that then cannot save its
 * state (no post step will ever destroy it) or cannot write its summary
 * (the step fails after the creates) would be left behind. Outside the
 * Actions runner these variables are missing; the step then refuses to start.
 */
export function requireRunnerFiles(
  step: string,
  files: RunnerFile[],
  env: NodeJS.ProcessEnv = process.env,
  dirs: { name: string; path: string }[] = [],
): void {
  const problems = [
    ...files.flatMap((name) => {
      const p = problem(env[name], true);
      return p ? [`${name} (${WHAT[name]}) ${p}`] : [];
    }),
    ...dirs.flatMap(({ name, path }) => {
      const p = problem(path, false);
      return p ? [`${name} ${p}`] : [];
    }),
  ];
  if (problems.length === 0) return;
  throw new ConfigurationError(
    `${step} cannot record what it creates: ${problems.join("; ")}. Nothing was created. Run it as a step of a GitHub Actions job (the runner provides these files), or set each variable to a writable file.`,
  );
}
