import * as core from "@actions/core";
import { runAction } from "../../lib/run-action";
import { albClients } from "./clients";
import { readInputs } from "./inputs";
import { run } from "./run";
import { STATE_KEY } from "./state";

await runAction("ephemeral-alb", readInputs, (inputs) =>
  run(inputs, {
    clients: albClients(inputs.region),
    store: { save: (state) => core.saveState(STATE_KEY, JSON.stringify(state)) },
    summary: (md) =>
      core.summary
        .addRaw(md)
        .write()
        .then(() => undefined),
  }),
);
