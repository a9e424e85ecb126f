import { readCaFile } from "../../lib/ca-file";
import { InputError } from "../../lib/errors";
import {
  type InputSource,
  readBoolean,
  readEnum,
  readOptionalString,
  readRegion,
  readString,
  readYaml,
} from "../../lib/inputs";
import { pathRoots, readEvidenceDir } from "../../lib/paths";
import { parseTaskDefinitionRef, type TaskDefinitionRef } from "../../lib/task-definition";
import { SSL_MODES, type SslMode } from "./pg-login";
import { type KeyMap, parseKeyMap } from "./secret";

export interface DriftInputs {
  secretId: string;
  target?: { kind: "instance" | "cluster"; identifier: string };
  keyMap: KeyMap;
  taskDefinition?: TaskDefinitionRef;
  connectCheck: boolean;
  /** How connect-check checks the server's certificate (libpq's meanings). */
  sslmode: SslMode;
  /** PEM certificates trusted besides the RDS certificate authorities. */
  caFile?: { path: string; pems: string[] };
  comment: boolean;
  githubToken: string;
  failOn: "drift" | "never";
  region: string;
  evidenceDir: string;
}

const SECRET_ID = /^[A-Za-z0-9/_+=.@:!-]{1,2048}$/;
const DB_IDENTIFIER =
  /^(?:[A-Za-z][A-Za-z0-9-]{0,62}|arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(?:db|cluster):[A-Za-z][A-Za-z0-9-]{0,62})$/;

function readIdentifier(get: InputSource, name: string): string | undefined {
  const value = readOptionalString(get, name);
  if (value !== undefined && !DB_IDENTIFIER.test(value)) {
    throw new InputError(
      name,
      `'${value}' is not an RDS identifier (letters, digits and hyphens, starting with a letter) or ARN.`,
    );
  }
  return value;
}

/** libpq's sslmode names; the ones that could send the credentials in plaintext are refused. */
function readSslMode(get: InputSource): SslMode {
  const raw = get("sslmode").trim();
  if (raw === "disable" || raw === "allow" || raw === "prefer") {
    throw new InputError(
      "sslmode",
      `'${raw}' would allow the login without TLS; connect-check never sends the credentials unencrypted.`,
      "Use verify-full (the default), verify-ca, or require (encrypted, certificate not checked).",
    );
  }
  return readEnum(get, "sslmode", SSL_MODES, "verify-full");
}

export function readDriftInputs(get: InputSource, env: NodeJS.ProcessEnv = process.env): DriftInputs {
  const secretId = readString(get, "secret-id", { required: true });
  if (!SECRET_ID.test(secretId)) {
    throw new InputError(
      "secret-id",
      "must be a Secrets Manager secret name or ARN (letters, digits and /_+=.@:!-; RDS-managed secrets are named rds!db-…).",
    );
  }
  const instance = readIdentifier(get, "db-instance-identifier");
  const cluster = readIdentifier(get, "db-cluster-identifier");
  if (instance && cluster) {
    throw new InputError(
      "db-cluster-identifier",
      "cannot be set together with 'db-instance-identifier'.",
      "Set the one the secret belongs to (or neither, to find it from the secret).",
    );
  }
  const roots = pathRoots(env);
  const taskDefinitionRaw = readOptionalString(get, "task-definition");
  const inputs: DriftInputs = {
    secretId,
    keyMap: parseKeyMap(readYaml(get, "key-map")),
    connectCheck: readBoolean(get, "connect-check", false),
    sslmode: readSslMode(get),
    comment: readBoolean(get, "comment", true),
    githubToken: readString(get, "github-token"),
    failOn: readEnum(get, "fail-on", ["drift", "never"] as const, "drift"),
    region: readRegion(get, "aws-region", env),
    evidenceDir: readEvidenceDir(get, env),
  };
  if (instance) inputs.target = { kind: "instance", identifier: instance };
  if (cluster) inputs.target = { kind: "cluster", identifier: cluster };
  const caFile = readCaFile(get, env);
  if (caFile) inputs.caFile = caFile;
  if (taskDefinitionRaw) inputs.taskDefinition = parseTaskDefinitionRef("task-definition", taskDefinitionRaw, roots);
  return inputs;
}
