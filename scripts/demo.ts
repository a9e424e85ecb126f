// `npm run demo` (the whole smoke cycle on the embedded default) and
// `npm run demo -- --broken` (the failure path). Exit 0 only if the cycle passed
// and the emulator holds no resource afterwards. `--https` adds the HTTPS listener (a test CA's certificate in
// the emulator's ACM) and probes over HTTPS, trusting that CA. `--cli` runs the smoke cycle through the command
// line (`ecs-alb-smoke smoke`, dist/cli/index.js) instead of the workflow's job, showing what it prints.
import { parseArgs } from "node:util";
import { runDemo } from "../test/demo/cycle";

const { values } = parseArgs({
  options: {
    broken: { type: "boolean", default: false },
    https: { type: "boolean", default: false },
    cli: { type: "boolean", default: false },
    "evidence-dir": { type: "string" },
    "out-dir": { type: "string" },
  },
});
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const result = await runDemo({
  broken: values.broken,
  https: values.https,
  cli: values.cli,
  ...(values["evidence-dir"] ? { evidenceDir: values["evidence-dir"] } : {}),
  ...(values["out-dir"] ? { outDir: values["out-dir"] } : {}),
});
process.exit(result.passed ? 0 : 1);
