import * as core from "@actions/core";
import { runPost } from "../../lib/run-action";
import { registerClients } from "./clients";
import { deregisterFromState } from "./deregister";
import { STATE_KEY } from "./run";

await runPost("register-fargate-targets", () =>
  deregisterFromState(core.getState(STATE_KEY), (region) => registerClients(region).elb),
);
