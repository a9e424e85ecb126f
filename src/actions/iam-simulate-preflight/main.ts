import { runAction } from "../../lib/run-action";
import { actionDeps } from "./deps";
import { readPreflightInputs } from "./inputs";
import { runPreflight } from "./run";

await runAction("iam-simulate-preflight", readPreflightInputs, (inputs, seam) =>
  runPreflight(inputs, actionDeps(inputs, seam)),
);
