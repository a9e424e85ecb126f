/**
 * The AWS CLI as an independent client of the emulator (botocore's own
 * serializers, parsers, paginators and waiters): shared by the fidelity tests.
 */
import { execFile, spawnSync } from "node:child_process";

const probe = spawnSync("aws", ["--version"], { encoding: "utf8" });
/** `aws-cli/2.x ...`, or undefined when the CLI is not on PATH. */
export const awsCliVersion = probe.status === 0 ? `${probe.stdout}${probe.stderr}`.trim() : undefined;

export const AWS_CLI_MISSING =
  "The AWS CLI (`aws`) is not on PATH. These fidelity tests need it: install it with `sudo apt-get install awscli` " +
  "(Debian/Ubuntu; .ci/run does this in CI) or from https://aws.amazon.com/cli/, then rerun.";

/** Only what the CLI needs: no developer profile, config file or instance metadata leaks in. */
export function awsCliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ["PATH", "HOME", "LANG", "PYTHONPATH", "PYENV_ROOT", "PYENV_VERSION", "TMPDIR"]) {
    if (process.env[key] !== undefined) env[key] = process.env[key];
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: "AKIAEMULATOR00000001",
    AWS_SECRET_ACCESS_KEY: "emulator-secret-key",
    AWS_DEFAULT_REGION: "us-west-2",
    AWS_REGION: "us-west-2",
    AWS_PAGER: "",
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
    NO_PROXY: "*",
  };
}

export interface AwsCliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `aws <args> --endpoint-url <endpoint> --output json`, bounded in time. */
export function runAwsCli(endpoint: string, args: string[], timeoutMs = 90_000): Promise<AwsCliResult> {
  if (!awsCliVersion) return Promise.reject(new Error(AWS_CLI_MISSING));
  return new Promise((resolve) => {
    execFile(
      "aws",
      [
        ...args,
        "--endpoint-url",
        endpoint,
        "--output",
        "json",
        "--cli-read-timeout",
        "30",
        "--cli-connect-timeout",
        "5",
      ],
      { env: awsCliEnv(), timeout: timeoutMs, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
