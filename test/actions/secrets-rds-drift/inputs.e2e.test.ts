import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/server";
import { errors, runBundle } from "../../harness/runner";

// Bad inputs through the committed bundle: exit 1, the input named, no AWS call made.
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    scenario: {
      secretsmanager: { secrets: [{ name: "papyrus/db", value: { host: "h", username: "u", password: "p" } }] },
    },
  });
});
afterAll(() => emu.stop());

const run = (inputs: Record<string, string>) =>
  runBundle("secrets-rds-drift", { inputs: { comment: "false", ...inputs }, env: { AWS_ENDPOINT_URL: emu.endpoint } });

describe("secrets-rds-drift: bad inputs", () => {
  it.each([
    [
      "both identifiers",
      { "secret-id": "papyrus/db", "db-instance-identifier": "papyrus-db", "db-cluster-identifier": "papyrus" },
      "Input 'db-cluster-identifier': cannot be set together with 'db-instance-identifier'.",
    ],
    [
      "bad key-map YAML",
      { "secret-id": "papyrus/db", "key-map": "host: [DB_HOST\nport: 1" },
      "Input 'key-map': is not valid YAML",
    ],
    [
      "unknown key-map field",
      { "secret-id": "papyrus/db", "key-map": "hostname: DB_HOST" },
      "Input 'key-map': has unknown field 'hostname'",
    ],
    ["no secret-id", {}, "Input 'secret-id': is required"],
    [
      "bad fail-on",
      { "secret-id": "papyrus/db", "fail-on": "sometimes" },
      "Input 'fail-on': must be one of 'drift', 'never'",
    ],
    [
      "bad connect-check",
      { "secret-id": "papyrus/db", "connect-check": "yes" },
      "Input 'connect-check': must be true or false",
    ],
  ])("%s → exit 1 naming the input, before any AWS call", async (_name, inputs, message) => {
    const before = emu.emulator.requests.length;
    const result = await run(inputs);
    expect(result.code).toBe(1);
    expect(errors(result).join("\n")).toContain(message);
    expect(emu.emulator.requests.length).toBe(before);
  });

  it("an unknown secret → exit 1 naming the secret and the input", async () => {
    const result = await run({ "secret-id": "papyrus/db-renamed" });
    expect(result.code).toBe(1);
    expect(errors(result)).toEqual([
      "Input 'secret-id': secret 'papyrus/db-renamed' was not found in us-west-2 (ResourceNotFoundException). Check the secret's name or ARN, and 'aws-region'.",
    ]);
    expect(result.outputs).toEqual({});
    expect(result.summary).toContain("secrets-rds-drift could not compare the secret with RDS");
    expect(result.summary).toContain("'`papyrus/db-renamed`'");
  });
});
