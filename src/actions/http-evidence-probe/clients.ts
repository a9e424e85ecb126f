import { exchange } from "./http";
import { awsLogsApi } from "./logs-api";
import type { ProbeDeps } from "./run";

export type ProbeClients = Pick<ProbeDeps, "exchange" | "logsApi">;

/**
 * What the probe reaches: its URLs through Node's HTTP, and for the server-side evidence CloudWatch Logs and ECS of
 * the region a run asks for (the clients are made then). The command line shares it.
 */
export function probeClients(): ProbeClients {
  return { exchange, logsApi: awsLogsApi };
}
