import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { InputError } from "./errors";
import { type InputSource, readString } from "./inputs";
import { pathRoots, resolveInputPath } from "./paths";

/**
 * `ca-file`: PEM certificates (a CA bundle) to trust besides an action's
 * default authorities (http-evidence-probe: Node's store; secrets-rds-drift:
 * the RDS CAs). A path input like every other: inside the workspace or
 * RUNNER_TEMP, checked before anything is read.
 */
export function readCaFile(get: InputSource, env: NodeJS.ProcessEnv): { path: string; pems: string[] } | undefined {
  const raw = readString(get, "ca-file");
  if (raw === "") return undefined;
  const path = resolveInputPath("ca-file", raw, "read", pathRoots(env));
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(
      "ca-file",
      `'${raw}' cannot be read (${(error as NodeJS.ErrnoException).code ?? error}).`,
      "Give the PEM file of the CA that signed the server's certificate.",
    );
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) {
    throw new InputError("ca-file", `'${raw}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  }
  for (const [i, pem] of pems.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      throw new InputError("ca-file", `certificate ${i + 1} of '${raw}' is not a valid X.509 certificate.`);
    }
  }
  return { path, pems };
}
