import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import {
  CreateListenerCommand,
  type CreateListenerCommandInput,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  type Listener,
  type LoadBalancer,
  LoadBalancerNotFoundException,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsErrorCode, awsErrorStatus, awsException, ConfigurationError } from "../../lib/errors";
import { done, hopeless, notYet, WaiterState, waitFor } from "../../lib/wait";
import type { AlbClients } from "./clients";
import {
  authorizeIdempotent,
  authorizeReferencingRule,
  NEW_LOAD_BALANCER_RETRY_MS,
  NOT_YET_VISIBLE,
  NotYetVisible,
  retryWhileNotVisible,
} from "./consistency";
import type { CreateInputs } from "./inputs";
import type { AlbState, StateStore } from "./state";
import { TAG_EXPIRES_AT, TAG_NAME, TAG_REPOSITORY, TAG_RUN_ID, type Tag } from "./tags";

export interface Created {
  state: AlbState;
  loadBalancer: LoadBalancer;
  listener: Listener;
  /** With `certificate-arn`. */
  httpsListener?: Listener;
  ingressCidrs: string[];
}

/** Throttling: the SDK's retries of a call can end on it, and an earlier attempt may have committed. */
const THROTTLED = new Set(["RequestLimitExceeded", "Throttling", "ThrottlingException", "RequestThrottled"]);

/**
 * EC2's last answer to CreateSecurityGroup says no group was made: a client
 * error that is not throttling. (An earlier attempt that committed and lost
 * its answer would make the retry answer InvalidGroup.Duplicate instead.)
 */
function refused(error: unknown): boolean {
  const status = awsErrorStatus(error);
  const code = awsErrorCode(error) ?? "";
  return status >= 400 && status < 500 && !THROTTLED.has(code) && code !== "InvalidGroup.Duplicate";
}

export function suiteTags(inputs: CreateInputs, base: string, now: number): Tag[] {
  const expires = new Date(now + inputs.ttlMinutes * 60_000).toISOString();
  return [
    { Key: TAG_RUN_ID, Value: inputs.identity.runId },
    { Key: TAG_EXPIRES_AT, Value: expires },
    { Key: TAG_REPOSITORY, Value: inputs.identity.repository },
    { Key: TAG_NAME, Value: base },
    ...Object.entries(inputs.extraTags).map(([Key, Value]) => ({ Key, Value })),
  ];
}

/**
 * Creates the cycle's resources, in parallel where AWS allows: the security
 * group and the target group at once; the load balancer as soon as its
 * security group exists; the listener and the ingress rules while the load
 * balancer provisions. `state` is saved after every create. When one branch
 * fails the others are still awaited (so the saved state is complete) and the
 * first failure is thrown.
 */
export async function createCycle(
  inputs: CreateInputs,
  ingressCidrs: string[],
  state: AlbState,
  clients: AlbClients,
  store: StateStore,
): Promise<Created> {
  const { elb, ec2 } = clients;
  const deadline = Date.now() + inputs.timeoutMs;
  const tags = suiteTags(inputs, state.names.base, state.createdAt ?? Date.now());
  const save = (patch: Partial<AlbState>) => {
    Object.assign(state, patch);
    store.save(state);
  };
  const failures: unknown[] = [];
  const track = <T>(p: Promise<T>): Promise<T> =>
    p.catch((error: unknown) => {
      failures.push(error);
      throw error;
    });

  const securityGroup = track(createSecurityGroup());
  const targetGroup = track(
    elb
      .send(
        new CreateTargetGroupCommand({
          Name: state.names.targetGroup,
          Protocol: "HTTP",
          Port: inputs.containerPort,
          VpcId: inputs.vpcId,
          TargetType: "ip",
          HealthCheckEnabled: true,
          HealthCheckProtocol: "HTTP",
          HealthCheckPath: inputs.healthCheck.path,
          HealthCheckIntervalSeconds: inputs.healthCheck.intervalSeconds,
          // Must be shorter than the interval; AWS's minimum is 2.
          HealthCheckTimeoutSeconds: Math.max(2, Math.min(5, inputs.healthCheck.intervalSeconds - 1)),
          HealthyThresholdCount: inputs.healthCheck.healthyThreshold,
          UnhealthyThresholdCount: inputs.healthCheck.unhealthyThreshold,
          Matcher: { HttpCode: inputs.healthCheck.matcher },
          Tags: tags,
        }),
      )
      .then((out) => {
        const arn = out.TargetGroups?.[0]?.TargetGroupArn;
        if (!arn) throw new Error("CreateTargetGroup returned no target group ARN");
        save({ targetGroupArn: arn });
        return arn;
      }),
  );
  // Every call that names the new security group retries its propagation delay (see consistency.ts).
  const whileNew = <T>(code: string, call: () => Promise<T>) => retryWhileNotVisible(code, deadline, call);
  const loadBalancer = track(
    securityGroup.then((groupId) =>
      whileNew(NOT_YET_VISIBLE.elb, () =>
        elb.send(
          new CreateLoadBalancerCommand({
            Name: state.names.loadBalancer,
            Type: "application",
            Scheme: inputs.scheme,
            IpAddressType: "ipv4",
            Subnets: inputs.subnetIds,
            SecurityGroups: [groupId],
            Tags: tags,
          }),
        ),
      ).then((out) => {
        const lb = out.LoadBalancers?.[0];
        if (!lb?.LoadBalancerArn) throw new Error("CreateLoadBalancer returned no load balancer ARN");
        const patch: Partial<AlbState> = { loadBalancerArn: lb.LoadBalancerArn };
        if (lb.DNSName) patch.dnsName = lb.DNSName;
        save(patch);
        return lb;
      }),
    ),
  );
  const https = inputs.https;
  const createListener = (input: Omit<CreateListenerCommandInput, "Tags">, key: "listenerArn" | "httpsListenerArn") =>
    elb.send(new CreateListenerCommand({ ...input, Tags: tags })).then((out) => {
      const l = out.Listeners?.[0];
      if (!l?.ListenerArn) throw new Error("CreateListener returned no listener ARN");
      save({ [key]: l.ListenerArn });
      return l;
    });
  const listener = track(
    Promise.all([loadBalancer, targetGroup]).then(([lb, tgArn]) =>
      createListener(
        {
          LoadBalancerArn: lb.LoadBalancerArn,
          Protocol: "HTTP",
          Port: inputs.listenerPort,
          // redirect-http: the HTTP listener only sends clients to the HTTPS one (the ELB guide's RedirectConfig).
          DefaultActions: https?.redirectHttp
            ? [
                {
                  Type: "redirect",
                  RedirectConfig: { Protocol: "HTTPS", Port: String(https.port), StatusCode: "HTTP_301" },
                },
              ]
            : [{ Type: "forward", TargetGroupArn: tgArn }],
        },
        "listenerArn",
      ),
    ),
  );
  const httpsListener = https
    ? track(
        Promise.all([loadBalancer, targetGroup]).then(([lb, tgArn]) =>
          createListener(
            {
              LoadBalancerArn: lb.LoadBalancerArn,
              Protocol: "HTTPS",
              Port: https.port,
              Certificates: [{ CertificateArn: https.certificateArn }],
              SslPolicy: https.sslPolicy,
              DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }],
            },
            "httpsListenerArn",
          ),
        ),
      )
    : Promise.resolve(undefined);
  const albIngress = track(
    securityGroup.then((groupId) =>
      whileNew(NOT_YET_VISIBLE.ec2, () =>
        authorizeIdempotent(clients, {
          GroupId: groupId,
          // The HTTP listener's port, and the HTTPS listener's with `certificate-arn`.
          IpPermissions: [inputs.listenerPort, ...(https ? [https.port] : [])].map((port) => ({
            IpProtocol: "tcp",
            FromPort: port,
            ToPort: port,
            IpRanges: ingressCidrs.map((CidrIp) => ({ CidrIp, Description: "ecs-alb-smoke: runner egress" })),
          })),
          TagSpecifications: [{ ResourceType: "security-group-rule", Tags: tags }],
        }),
      ),
    ),
  );
  const taskSg = inputs.taskSecurityGroupId;
  const taskIngress = taskSg
    ? track(
        securityGroup.then((groupId) =>
          whileNew(NOT_YET_VISIBLE.ec2, () =>
            authorizeReferencingRule(
              clients,
              {
                GroupId: taskSg,
                IpPermissions: [
                  {
                    IpProtocol: "tcp",
                    FromPort: inputs.containerPort,
                    ToPort: inputs.containerPort,
                    UserIdGroupPairs: [
                      { GroupId: groupId, Description: `ecs-alb-smoke: temporary, ${state.names.base}` },
                    ],
                  },
                ],
                TagSpecifications: [{ ResourceType: "security-group-rule", Tags: tags }],
              },
              groupId,
              inputs.containerPort,
            ),
          ).then((ids) => save({ taskIngressRuleIds: ids })),
        ),
      )
    : Promise.resolve();
  // wait-until-active: false returns as soon as everything exists: register-fargate-targets registers
  // during provisioning and waits for the load balancer to be active and the targets healthy.
  const active = inputs.waitUntilActive ? track(loadBalancer.then((lb) => waitActive(lb, deadline))) : loadBalancer;

  const settled = await Promise.allSettled([
    securityGroup,
    targetGroup,
    loadBalancer,
    listener,
    albIngress,
    taskIngress,
    active,
    httpsListener,
  ]);
  if (failures.length > 0) throw failures[0];
  const [, , , l, , , a, h] = settled;
  if (l?.status !== "fulfilled" || a?.status !== "fulfilled" || h?.status !== "fulfilled")
    throw new Error("unreachable: a branch failed without a recorded failure");
  return {
    state,
    loadBalancer: a.value,
    listener: l.value,
    ...(h.value ? { httpsListener: h.value } : {}),
    ingressCidrs,
  };

  async function createSecurityGroup(): Promise<string> {
    const name = state.names.securityGroup;
    let groupId: string | undefined;
    try {
      const out = await ec2
        .send(
          new CreateSecurityGroupCommand({
            GroupName: name,
            Description: `ecs-alb-smoke temporary ALB security group (${state.names.base})`,
            VpcId: inputs.vpcId,
            TagSpecifications: [{ ResourceType: "security-group", Tags: tags }],
          }),
        )
        .catch((error: unknown) => {
          // Refused: no group exists, so the post step need not wait out
          // EC2's propagation window for one.
          if (refused(error)) save({ securityGroupRefused: true });
          throw error;
        });
      groupId = out.GroupId;
    } catch (error) {
      // A retried create whose first attempt did succeed: the name is unique to
      // this cycle, so the existing group is ours. Right after its create it may
      // not be visible to Describe yet (eventual consistency): look again, bounded.
      if (awsErrorCode(error) !== "InvalidGroup.Duplicate") throw error;
      groupId = await retryWhileNotVisible(NOT_YET_VISIBLE.ec2, deadline, async () => {
        const found = await ec2.send(
          new DescribeSecurityGroupsCommand({
            Filters: [
              { Name: "group-name", Values: [name] },
              { Name: "vpc-id", Values: [inputs.vpcId] },
            ],
          }),
        );
        const id = found.SecurityGroups?.[0]?.GroupId;
        if (!id) {
          const message = `ec2:DescribeSecurityGroups does not show ${name} in ${inputs.vpcId}, although ec2:CreateSecurityGroup answered InvalidGroup.Duplicate.`;
          throw new NotYetVisible(message, NOT_YET_VISIBLE.ec2);
        }
        return id;
      });
    }
    if (!groupId) throw new Error("CreateSecurityGroup returned no group ID");
    save({ securityGroupId: groupId });
    return groupId;
  }

  /** Until the load balancer is active; `failed` ends the wait at once with AWS's reason. */
  async function waitActive(lb: LoadBalancer, until: number): Promise<LoadBalancer> {
    const createdAt = Date.now();
    const describe = () =>
      elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn as string] }));
    const waited = await waitFor<LoadBalancer>(
      {
        what: `load balancer ${state.names.loadBalancer} to become active`,
        timeoutMs: until - Date.now(),
        minDelayMs: 250,
        maxDelayMs: 5_000,
      },
      async () => {
        let out: Awaited<ReturnType<typeof describe>>;
        try {
          out = await describe();
        } catch (error) {
          // A load balancer created a moment ago can be missing from DescribeLoadBalancers: ELB's reads are
          // eventually consistent (hashicorp/terraform-provider-aws#15214: "ALB/NLB creation occasionally fails due
          // to eventual consistency with the error LoadBalancerNotFound"). Its ARN came from CreateLoadBalancer, so
          // NotFound means "not yet" for a while; after NEW_LOAD_BALANCER_RETRY_MS it is reported as it came.
          const fresh = Date.now() - createdAt < NEW_LOAD_BALANCER_RETRY_MS;
          if (fresh && awsException(error) instanceof LoadBalancerNotFoundException) return notYet("not visible yet");
          throw error;
        }
        const current = out.LoadBalancers?.[0];
        const code = current?.State?.Code;
        // active_impaired routes traffic (it only lacks room to scale): good enough for a smoke test.
        if (current && (code === "active" || code === "active_impaired")) return done(current);
        if (code === "failed") {
          return hopeless(
            `Load balancer ${state.names.loadBalancer} entered state '${code}'${current?.State?.Reason ? `: ${current.State.Reason}` : ""}. Check the subnets (one per Availability Zone, with free IP addresses) and the ELB service quotas.`,
          );
        }
        return notYet(`state is '${code ?? "unknown"}'`);
      },
      elb,
    );
    if (waited.state === WaiterState.SUCCESS) return waited.value;
    throw new ConfigurationError(waited.reason);
  }
}
