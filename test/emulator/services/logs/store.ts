/**
 * Log groups, streams and events of the CloudWatch Logs emulator. An event
 * becomes searchable only after the ingestion delay (events "typically" show up
 * within seconds in AWS; the emulator never shows them sooner than it says).
 */
import { randomInt } from "node:crypto";
import { AwsError } from "../../errors";

export interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
  /** Wall-clock ms from which FilterLogEvents sees it. */
  visibleAt: number;
}

export interface LogStream {
  name: string;
  creationTime: number;
  events: LogEvent[];
  lastIngestionTime?: number;
}

export interface LogGroup {
  name: string;
  creationTime: number;
  retentionInDays?: number;
  tags: Record<string, string>;
  streams: Map<string, LogStream>;
  seeded: boolean;
}

export const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;

export const invalidParameter = (message: string) => new AwsError("InvalidParameterException", message);
export const groupNotFound = () => new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
export const streamNotFound = () =>
  new AwsError("ResourceNotFoundException", "The specified log stream does not exist.");

/** Event IDs in AWS are 56-digit decimal strings. */
export function eventId(): string {
  let id = "";
  while (id.length < 56) id += String(randomInt(0, 1_000_000_000)).padStart(9, "0");
  return id.slice(0, 56);
}

export class LogStore {
  readonly groups = new Map<string, LogGroup>();

  constructor(private readonly where: () => { region: string; account: string }) {}

  /** `arn:aws:logs:<r>:<a>:log-group:<name>:*`, the form DescribeLogGroups returns and IAM evaluates. */
  groupArn(name: string, star = true): string {
    const { region, account } = this.where();
    return `arn:aws:logs:${region}:${account}:log-group:${name}${star ? ":*" : ""}`;
  }

  streamArn(group: string, stream: string): string {
    return `${this.groupArn(group, false)}:log-stream:${stream}`;
  }

  /** `logGroupName` or `logGroupIdentifier` (a name or an ARN): exactly one, as AWS requires. */
  groupNameOf(params: { logGroupName?: unknown; logGroupIdentifier?: unknown }, required = true): string | undefined {
    const { logGroupName: name, logGroupIdentifier: identifier } = params;
    if (name !== undefined && identifier !== undefined)
      throw invalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
    if (identifier !== undefined) {
      const text = String(identifier);
      const arn = /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:(.+?)(:\*)?$/.exec(text);
      return arn ? (arn[1] as string) : text;
    }
    if (name === undefined) {
      if (!required) return undefined;
      throw invalidParameter("Either logGroupName or logGroupIdentifier must be provided.");
    }
    return String(name);
  }

  group(name: string): LogGroup {
    const group = this.groups.get(name);
    if (!group) throw groupNotFound();
    return group;
  }

  createGroup(name: string, opts: { retentionInDays?: number; tags?: Record<string, string>; seeded: boolean }) {
    if (!GROUP_NAME.test(name))
      throw invalidParameter(
        `1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
      );
    if (this.groups.has(name))
      throw new AwsError("ResourceAlreadyExistsException", "The specified log group already exists");
    const group: LogGroup = {
      name,
      creationTime: Date.now(),
      tags: opts.tags ?? {},
      streams: new Map(),
      seeded: opts.seeded,
    };
    if (opts.retentionInDays !== undefined) group.retentionInDays = opts.retentionInDays;
    this.groups.set(name, group);
    return group;
  }

  createStream(group: LogGroup, name: string): LogStream {
    if (name.length < 1 || name.length > 512 || /[:*]/.test(name))
      throw invalidParameter(
        `1 validation error detected: Value '${name}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`,
      );
    if (group.streams.has(name))
      throw new AwsError("ResourceAlreadyExistsException", "The specified log stream already exists");
    const stream: LogStream = { name, creationTime: Date.now(), events: [] };
    group.streams.set(name, stream);
    return stream;
  }
}
