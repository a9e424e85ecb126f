// The AWS calls of the server-side evidence, behind one small interface so tests can inject the emulator's.
import {
  CloudWatchLogsClient,
  type FilteredLogEvent,
  type FilterLogEventsCommandInput,
  paginateFilterLogEvents,
} from "@aws-sdk/client-cloudwatch-logs";
import { type ContainerDefinition, DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { awsClientConfig, withOperationNames } from "../../lib/aws";
import { describeTaskDefinition } from "../../lib/task-definition";

export type { ContainerDefinition, FilteredLogEvent, FilterLogEventsCommandInput };

export interface LogsApi {
  /** Every page of FilterLogEvents in order, through the SDK's paginator; at most `maxPages` pages. */
  filterLogEvents(input: FilterLogEventsCommandInput, maxPages: number): Promise<FilteredLogEvent[]>;
  /** The service's task definition ARN, or undefined when ECS reports the service MISSING. */
  serviceTaskDefinition(cluster: string, service: string): Promise<string | undefined>;
  taskDefinition(arn: string): Promise<{ family: string; revision: number; containers: ContainerDefinition[] }>;
}

/** `endpoint`/`credentials` only for tests in process; the action takes both from the environment, as the SDK does. */
export function awsLogsApi(
  region: string,
  overrides: { endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } = {},
): LogsApi {
  const logs = withOperationNames(new CloudWatchLogsClient({ ...awsClientConfig({ region }), ...overrides }));
  const ecs = withOperationNames(new ECSClient({ ...awsClientConfig({ region }), ...overrides }));
  return {
    async filterLogEvents(input, maxPages) {
      const events: FilteredLogEvent[] = [];
      let pages = 0;
      // A page may be partial or empty while a nextToken remains (FilterLogEvents API reference).
      for await (const page of paginateFilterLogEvents({ client: logs }, input)) {
        events.push(...(page.events ?? []));
        if (++pages >= maxPages) break;
      }
      return events;
    },
    async serviceTaskDefinition(cluster, service) {
      const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
      const found = out.services?.find((s) => s.status !== "INACTIVE");
      return found?.taskDefinition;
    },
    async taskDefinition(arn) {
      const td = await describeTaskDefinition(ecs, arn);
      return { family: td.family ?? "", revision: td.revision ?? 0, containers: td.containerDefinitions ?? [] };
    },
  };
}
