import * as core from "@actions/core";
import { writeSummary } from "../../lib/job-report";
import { runAction } from "../../lib/run-action";
import { requireRunnerFiles } from "../../lib/runner-files";
import { albClients } from "./clients";
import { readInputs } from "./inputs";
import { run } from "./run";
import { runnerStateStore } from "./state";

await runAction("ephemeral-alb", readInputs, (inputs) => {
  // Before the first AWS call: a create whose state, outputs or summary cannot be written is never started.
  requireRunnerFiles(
    "ephemeral-alb",
    inputs.mode === "create"
      ? ["GITHUB_STATE", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"]
      : ["GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"],
    process.env,
    [{ name: "Input 'evidence-dir'", path: inputs.evidenceDir }],
  );
  return run(inputs, {
    clients: albClients(inputs.region),
    store: runnerStateStore(process.env),
    summary: async (md) => {
      await writeSummary(md);
    },
  });
});
