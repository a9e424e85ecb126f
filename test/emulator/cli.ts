/**
 * `npm run emulator -- --port 4566 [--scenario file.json] [--time-scale 0.1] [--enforce]`
 * Prints the endpoint and runs until interrupted.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startEmulator } from "./server";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4566" },
    host: { type: "string", default: "127.0.0.1" },
    scenario: { type: "string" },
    region: { type: "string", default: "us-west-2" },
    "time-scale": { type: "string", default: "1" },
    enforce: { type: "boolean", default: false },
  },
});
const running = await startEmulator({
  port: Number(values.port),
  host: values.host,
  region: values.region,
  timeScale: Number(values["time-scale"]),
  enforce: values.enforce,
  ...(values.scenario ? { scenario: JSON.parse(readFileSync(values.scenario, "utf8")) } : {}),
});
console.log(`AWS emulator listening on ${running.endpoint}`);
console.log(
  `  export AWS_ENDPOINT_URL=${running.endpoint} AWS_REGION=${values.region} AWS_ACCESS_KEY_ID=AKIAEMULATOR00000001 AWS_SECRET_ACCESS_KEY=x`,
);
console.log(`  control API: ${running.endpoint}/_emulator/state`);
const stop = async () => {
  await running.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
