import * as core from "@actions/core";
import { runPost } from "../../lib/run-action";
import { albClients } from "./clients";
import { destroyFromState } from "./destroy";
import { STATE_KEY } from "./state";

await runPost("ephemeral-alb", () =>
  destroyFromState(core.getState(STATE_KEY), {
    clients: (region) => albClients(region),
    summary: (md) =>
      core.summary
        .addRaw(md)
        .write()
        .then(() => undefined),
  }),
);
