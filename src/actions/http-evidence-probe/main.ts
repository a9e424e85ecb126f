import { runAction } from "../../lib/run-action";
import { actionDeps } from "./deps";
import { readProbeInputs } from "./inputs";
import { run } from "./run";

await runAction("http-evidence-probe", readProbeInputs, (inputs, seam) => run(inputs, actionDeps(seam)));
