import { runAction } from "../../lib/run-action";
import { actionDeps } from "./deps";
import { readInputs } from "./inputs";
import { run } from "./run";

await runAction("evidence-mask", readInputs, (inputs, seam) => run(inputs, actionDeps(seam)));
