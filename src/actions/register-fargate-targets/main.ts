import * as core from "@actions/core";
import { writeSummary } from "../../lib/job-report";
import { runAction } from "../../lib/run-action";
import { registerClients } from "./clients";
import { readInputs } from "./inputs";
import { run, STATE_KEY } from "./run";

await runAction("register-fargate-targets", readInputs, (inputs) =>
  run(inputs, {
    clients: registerClients(inputs.region),
    saveState: (state) => core.saveState(STATE_KEY, JSON.stringify(state)),
    summary: async (md) => {
      await writeSummary(md);
    },
  }),
);
