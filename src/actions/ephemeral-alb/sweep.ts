import {
  type Tag as Ec2Tag,
  paginateDescribeTags as paginateDescribeEc2Tags,
  paginateDescribeSecurityGroupRules,
  paginateDescribeSecurityGroups,
} from "@aws-sdk/client-ec2";
import {
  DescribeTagsCommand,
  paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
  type TagDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { chunks } from "../../lib/chunks";
import { EvidenceWriter } from "../../lib/evidence";
import type { ActionResult } from "../../lib/run-action";
import { type AlbClients, isNotFound } from "./clients";
import type { SweepInputs } from "./inputs";
import { namesFromBase } from "./naming";
import { leftoverMessage, teardownSummary } from "./report";
import type { Deps } from "./run";
import { TAG_EXPIRES_AT, TAG_NAME, TAG_REPOSITORY, TAG_RUN_ID, tagValue } from "./tags";
import { type CycleResources, type TeardownStep, teardown } from "./teardown";

interface Tagged {
  kind: "load balancer" | "target group" | "security group" | "ingress rule";
  id: string;
  groupId?: string;
  vpcId?: string;
  tags: { Key?: string | undefined; Value?: string | undefined }[];
}

export interface SweptCycle {
  name: string;
  runId: string;
  /** `owner/name` of the repository whose run created it (the repository tag). */
  repository: string;
  expiresAt: string;
  /** Minutes until the expiry (negative: minutes since it passed), at the sweep's clock. */
  expiresInMinutes: number | null;
  resources: { kind: string; id: string }[];
}

function duration(minutes: number): string {
  const m = Math.abs(Math.round(minutes));
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `2026-01-01T01:00:00.000Z (expired 2 h 5 min ago)`: the expiry tag, and how far it is from `now`. */
export function expiryText(expiresAt: string, now: number): string {
  const at = Date.parse(expiresAt);
  if (!Number.isFinite(at)) return `an unreadable expiry tag '${expiresAt}'`;
  const minutes = (at - now) / 60_000;
  return `${new Date(at).toISOString()} (${minutes >= 0 ? `expires in ${duration(minutes)}` : `expired ${duration(minutes)} ago`})`;
}

function ec2Tags(tags: Ec2Tag[] | undefined) {
  return (tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value }));
}

/** ELBv2 DescribeTags takes at most 20 ARNs per call (API_DescribeTags.html). */
const ELB_TAGS_CHUNK = 20;
/** Values per EC2 filter: kept well under EC2's limit of 200. */
const FILTER_VALUES_CHUNK = 100;

/**
 * Tags of ELB resources listed a moment ago. A resource deleted meanwhile (a
 * concurrent run's post step) makes the whole DescribeTags call fail with its
 * NotFound code: that chunk is then asked ARN by ARN and the gone ones are
 * dropped, instead of aborting the sweep.
 */
async function elbTags(clients: AlbClients, arns: string[]): Promise<TagDescription[]> {
  const describe = (ResourceArns: string[]) =>
    clients.elb.send(new DescribeTagsCommand({ ResourceArns })).then((out) => out.TagDescriptions ?? []);
  const found: TagDescription[] = [];
  for (const chunk of chunks(arns, ELB_TAGS_CHUNK)) {
    try {
      found.push(...(await describe(chunk)));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      for (const arn of chunk) {
        try {
          found.push(...(await describe([arn])));
        } catch (single) {
          if (!isNotFound(single)) throw single;
        }
      }
    }
  }
  return found;
}

/** Every resource of the region that carries the suite's run-id tag. */
async function findTagged(clients: AlbClients): Promise<Tagged[]> {
  const { elb, ec2 } = clients;
  const found: Tagged[] = [];
  const collect = async (vpcOf: Map<string, string | undefined>, kind: Tagged["kind"]) => {
    for (const d of await elbTags(clients, [...vpcOf.keys()])) {
      if (!d.ResourceArn || !tagValue(d.Tags, TAG_RUN_ID)) continue;
      const vpcId = vpcOf.get(d.ResourceArn);
      found.push({ kind, id: d.ResourceArn, tags: d.Tags ?? [], ...(vpcId ? { vpcId } : {}) });
    }
  };

  const lbVpc = new Map<string, string | undefined>();
  for await (const page of paginateDescribeLoadBalancers({ client: elb }, {}))
    for (const lb of page.LoadBalancers ?? [])
      if (lb.LoadBalancerArn && lb.Type === "application") lbVpc.set(lb.LoadBalancerArn, lb.VpcId);
  await collect(lbVpc, "load balancer");

  const tgVpc = new Map<string, string | undefined>();
  for await (const page of paginateDescribeTargetGroups({ client: elb }, {}))
    for (const tg of page.TargetGroups ?? []) if (tg.TargetGroupArn) tgVpc.set(tg.TargetGroupArn, tg.VpcId);
  await collect(tgVpc, "target group");

  // `tag-key` is a documented filter of DescribeSecurityGroups.
  {
    const pages = paginateDescribeSecurityGroups(
      { client: ec2 },
      { Filters: [{ Name: "tag-key", Values: [TAG_RUN_ID] }] },
    );
    for await (const page of pages)
      for (const sg of page.SecurityGroups ?? [])
        if (sg.GroupId)
          found.push({
            kind: "security group",
            id: sg.GroupId,
            tags: ec2Tags(sg.Tags),
            ...(sg.VpcId ? { vpcId: sg.VpcId } : {}),
          });
  }

  // DescribeSecurityGroupRules documents only `group-id`, `security-group-rule-id` and
  // `tag:<key>` filters (API_DescribeSecurityGroupRules.html), not `tag-key`: the tagged
  // rules come from DescribeTags (filters `resource-type` and `key`, API_DescribeTags.html),
  // then their groups from DescribeSecurityGroupRules by rule ID.
  const ruleIds = new Set<string>();
  {
    const pages = paginateDescribeEc2Tags(
      { client: ec2 },
      {
        Filters: [
          { Name: "resource-type", Values: ["security-group-rule"] },
          { Name: "key", Values: [TAG_RUN_ID] },
        ],
      },
    );
    for await (const page of pages) for (const t of page.Tags ?? []) if (t.ResourceId) ruleIds.add(t.ResourceId);
  }
  for (const ids of chunks([...ruleIds], FILTER_VALUES_CHUNK)) {
    {
      // A filter, not SecurityGroupRuleIds: a rule revoked meanwhile is simply absent.
      const pages = paginateDescribeSecurityGroupRules(
        { client: ec2 },
        { Filters: [{ Name: "security-group-rule-id", Values: ids }] },
      );
      for await (const page of pages)
        for (const r of page.SecurityGroupRules ?? [])
          if (r.SecurityGroupRuleId && r.GroupId && !r.IsEgress)
            found.push({ kind: "ingress rule", id: r.SecurityGroupRuleId, groupId: r.GroupId, tags: ec2Tags(r.Tags) });
    }
  }
  // Rules inside the suite's own security groups go with those groups; only
  // the temporary rules in task security groups need revoking by themselves.
  const ownGroups = new Set(found.filter((f) => f.kind === "security group").map((f) => f.id));
  return found.filter((f) => f.kind !== "ingress rule" || !ownGroups.has(f.groupId ?? ""));
}

/**
 * Every scope given must hold (inputs.ts refuses a sweep with none): `run-id`
 * takes that run's resources whatever their expiry; otherwise only expired
 * ones, `older-than-minutes` past their expiry.
 */
function inScope(
  inputs: SweepInputs,
  item: { runId: string; name: string | undefined; expiry: number },
  now: number,
): boolean {
  if (inputs.runId !== undefined && item.runId !== inputs.runId) return false;
  if (inputs.namePrefix !== undefined && !item.name?.startsWith(`${inputs.namePrefix}-`)) return false;
  if (inputs.runId !== undefined && inputs.olderThanMinutes === undefined) return true;
  return Number.isFinite(item.expiry) && item.expiry <= now - (inputs.olderThanMinutes ?? 0) * 60_000;
}

function scopeDescription(inputs: SweepInputs): string {
  return [
    inputs.runId !== undefined ? `of run ${inputs.runId}` : "",
    inputs.namePrefix !== undefined ? `named ${inputs.namePrefix}-*` : "",
    inputs.runId === undefined || inputs.olderThanMinutes !== undefined
      ? `past their expiry${inputs.olderThanMinutes ? ` by ${inputs.olderThanMinutes} min` : ""}`
      : "",
  ]
    .filter(Boolean)
    .join(", ");
}

/**
 * Finds the suite's resources whose expiry tag has passed (or that belong to
 * the given run) and destroys them cycle by cycle, in the same order as the
 * post step. `dry-run` only lists them.
 */
export async function sweep(inputs: SweepInputs, deps: Deps): Promise<ActionResult> {
  const { clock, log } = deps;
  const now = clock.now();
  const tagged = await findTagged(deps.clients);
  const cycles = new Map<string, { info: SweptCycle; res: CycleResources }>();
  let kept = 0;
  for (const item of tagged) {
    const runId = tagValue(item.tags, TAG_RUN_ID) ?? "";
    const expiresAt = tagValue(item.tags, TAG_EXPIRES_AT) ?? "";
    const selected = inScope(
      inputs,
      { runId, name: tagValue(item.tags, TAG_NAME), expiry: Date.parse(expiresAt) },
      now,
    );
    if (!selected) {
      kept++;
      continue;
    }
    const base = tagValue(item.tags, TAG_NAME) ?? item.id;
    let cycle = cycles.get(base);
    if (!cycle) {
      const res: CycleResources = { region: inputs.region, listenerArns: [], taskIngressRules: [] };
      if (tagValue(item.tags, TAG_NAME)) res.names = namesFromBase(base);
      const at = Date.parse(expiresAt);
      const info: SweptCycle = {
        name: base,
        runId,
        repository: tagValue(item.tags, TAG_REPOSITORY) ?? "",
        expiresAt,
        expiresInMinutes: Number.isFinite(at) ? Math.round((at - now) / 60_000) : null,
        resources: [],
      };
      cycle = { info, res };
      cycles.set(base, cycle);
    }
    cycle.info.resources.push({ kind: item.kind, id: item.groupId ? `${item.groupId} ${item.id}` : item.id });
    if (item.vpcId) cycle.res.vpcId = item.vpcId;
    if (item.kind === "load balancer") cycle.res.loadBalancerArn = item.id;
    else if (item.kind === "target group") cycle.res.targetGroupArn = item.id;
    else if (item.kind === "security group") {
      cycle.res.securityGroupId = item.id;
      // Found by a Describe: it has propagated, so a NotFound on its delete means it is gone.
      cycle.res.securityGroupSeen = true;
    } else if (item.groupId) cycle.res.taskIngressRules.push({ groupId: item.groupId, ruleId: item.id });
  }

  const what = scopeDescription(inputs);
  log.info(`Found ${cycles.size} cycle(s) ${what}; kept ${kept} resource(s) that are not.`);
  const owner = (c: SweptCycle) =>
    `run ${c.runId}${c.repository ? ` of ${c.repository}` : ""}, ${expiryText(c.expiresAt, now)}`;
  const steps: TeardownStep[] = [];
  if (inputs.dryRun) {
    for (const { info } of cycles.values()) {
      log.info(`Would remove ${info.name} (${owner(info)}):`);
      for (const r of info.resources) log.info(`  ${r.kind} ${r.id}`);
    }
  } else {
    for (const { info, res } of cycles.values()) {
      log.info(`Sweeping ${info.name} (${owner(info)}).`);
      const done = await teardown(res, deps.clients);
      for (const s of done) if (s.outcome === "failed") log.warning(`${s.step} ${s.id}: ${s.error ?? ""}`);
      steps.push(...done);
    }
  }
  const record = {
    mode: "sweep",
    dryRun: inputs.dryRun,
    runId: inputs.runId,
    namePrefix: inputs.namePrefix,
    olderThanMinutes: inputs.olderThanMinutes,
    at: new Date(now).toISOString(),
    cycles: [...cycles.values()].map((c) => c.info),
    kept,
    steps,
  };
  new EvidenceWriter(inputs.evidenceDir).writeJson("sweep", record);
  if (inputs.dryRun) {
    const lines = [
      "## ephemeral-alb sweep (dry run)",
      "",
      `${cycles.size} cycle(s) ${what} would be removed; ${kept} resource(s) kept.`,
      "",
    ];
    for (const c of cycles.values())
      lines.push(
        `- \`${c.info.name}\` (${owner(c.info)}): ${c.info.resources.map((r) => `${r.kind} \`${r.id}\``).join(", ")}`,
      );
    await deps.summary.write(`${lines.join("\n")}\n`);
  } else {
    await deps.summary.write(teardownSummary("ephemeral-alb sweep", steps));
  }
  const failure = leftoverMessage(steps);
  const outputs = { resources: record, "swept-count": inputs.dryRun ? 0 : cycles.size };
  return failure ? { outputs, failure } : { outputs };
}
