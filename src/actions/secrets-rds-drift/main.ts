import { runAction } from "../../lib/run-action";
import { actionDeps } from "./deps";
import { readDriftInputs } from "./inputs";
import { run } from "./run";

await runAction("secrets-rds-drift", readDriftInputs, (inputs, seam) => run(inputs, actionDeps(inputs, seam)));
