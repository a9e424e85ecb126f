import { runAction } from "../../lib/run-action";
import { actionDeps } from "./deps";
import { readProbeInputs } from "./inputs";
import { run } from "./run";

void runAction("http-evidence-probe", readProbeInputs, (inputs) => run(inputs, actionDeps(inputs)));
