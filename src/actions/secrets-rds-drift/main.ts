import { runAction } from "../../lib/run-action";
import { readDriftInputs } from "./inputs";
import { runWithRunner } from "./runner-deps";

await runAction("secrets-rds-drift", readDriftInputs, runWithRunner);
