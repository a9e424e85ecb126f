import { runAction } from "../../lib/run-action";
import { actionDeps } from "./deps";
import { readInputs } from "./inputs";
import { run } from "./run";

await runAction("register-fargate-targets", readInputs, (inputs, seam) => run(inputs, actionDeps(inputs, seam)));
