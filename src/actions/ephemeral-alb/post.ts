import * as core from "@actions/core";
import { writeSummary } from "../../lib/job-report";
import { runPost } from "../../lib/run-action";
import { albClients } from "./clients";
import { CycleFiles } from "./cycle-file";
import { destroyFromState } from "./destroy";
import { STATE_KEY } from "./state";

await runPost("ephemeral-alb", () =>
  destroyFromState(core.getState(STATE_KEY), {
    clients: (region) => albClients(region),
    ...(process.env.RUNNER_TEMP ? { cycles: new CycleFiles(process.env.RUNNER_TEMP) } : {}),
    summary: async (md) => {
      await writeSummary(md);
    },
  }),
);
