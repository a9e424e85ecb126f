import { runAction } from "../../lib/run-action";
import { runnerDeps } from "./deps";
import { readInputs } from "./inputs";
import { run } from "./run";

runAction(
  "evidence-mask",
  (get) => readInputs(get),
  (inputs) => run(inputs, runnerDeps()),
);
