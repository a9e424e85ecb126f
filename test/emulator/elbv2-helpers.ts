/** Shared by the ELBv2, health-check and AWS CLI tests of the emulator. */

import { request } from "node:http";
import { createServer } from "node:net";
import { DescribeSubnetsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { RunningEmulator } from "./server";

const credentials = { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" };

export function clients(emu: RunningEmulator) {
  const base = { endpoint: emu.endpoint, region: "us-west-2", credentials, maxAttempts: 1 };
  return { elb: new ElasticLoadBalancingV2Client(base), ec2: new EC2Client(base) };
}

/** Polls `read` until `done` holds: at most `tries` times, `delayMs` apart. Returns the last value. */
export async function waitFor<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  { tries = 200, delayMs = 25 } = {},
): Promise<T> {
  let value = await read();
  for (let i = 0; i < tries && !done(value); i++) {
    await new Promise((r) => setTimeout(r, delayMs));
    value = await read();
  }
  return value;
}

/** A port free on every address right now (the load balancer's own loopback address makes a clash unlikely anyway). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "0.0.0.0", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One plain GET with a fresh connection, bounded by `timeoutMs`. */
export function get(url: string, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

export async function defaultSubnets(ec2: EC2Client): Promise<string[]> {
  const res = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }));
  return (res.Subnets ?? []).map((s) => s.SubnetId as string);
}

export async function activeLoadBalancer(elb: ElasticLoadBalancingV2Client, arn: string) {
  const lb = await waitFor(
    async () => (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))).LoadBalancers?.[0],
    (l) => l?.State?.Code !== "provisioning",
  );
  if (lb?.State?.Code !== "active") throw new Error(`load balancer ${arn} is ${lb?.State?.Code}, expected active`);
  return lb;
}

export async function targetHealth(
  elb: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
): Promise<TargetHealthDescription[]> {
  return (
    (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))).TargetHealthDescriptions ?? []
  );
}

export const states = (d: TargetHealthDescription[]) => d.map((t) => t.TargetHealth?.State);

/** A load balancer (active), an ip target group on `targetPort` with fast health checks, and an HTTP listener on a free port. */
export async function httpStack(
  emu: RunningEmulator,
  opts: {
    name: string;
    targetPort?: number;
    securityGroups?: string[];
    healthCheckPath?: string;
    matcher?: string;
    healthyThreshold?: number;
    unhealthyThreshold?: number;
    intervalSeconds?: number;
  },
) {
  const { elb, ec2 } = clients(emu);
  const subnets = await defaultSubnets(ec2);
  const vpcId = emu.emulator.service<import("./services/ec2").Ec2Service>("ec2").defaultVpcId() as string;
  const tg = (
    await elb.send(
      new CreateTargetGroupCommand({
        Name: `${opts.name}-tg`,
        Protocol: "HTTP",
        Port: opts.targetPort ?? 5000,
        VpcId: vpcId,
        TargetType: "ip",
        HealthCheckPath: opts.healthCheckPath ?? "/healthz",
        HealthCheckIntervalSeconds: opts.intervalSeconds ?? 5,
        HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: opts.healthyThreshold ?? 2,
        UnhealthyThresholdCount: opts.unhealthyThreshold ?? 2,
        Matcher: { HttpCode: opts.matcher ?? "200-399" },
      }),
    )
  ).TargetGroups?.[0];
  const lbCreated = (
    await elb.send(
      new CreateLoadBalancerCommand({
        Name: opts.name,
        Subnets: subnets,
        ...(opts.securityGroups ? { SecurityGroups: opts.securityGroups } : {}),
      }),
    )
  ).LoadBalancers?.[0];
  const lb = await activeLoadBalancer(elb, lbCreated?.LoadBalancerArn as string);
  const port = await freePort();
  const listener = (
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancerArn,
        Protocol: "HTTP",
        Port: port,
        DefaultActions: [{ Type: "forward", TargetGroupArn: tg?.TargetGroupArn }],
      }),
    )
  ).Listeners?.[0];
  return {
    elb,
    ec2,
    vpcId,
    subnets,
    lbArn: lb.LoadBalancerArn as string,
    tgArn: tg?.TargetGroupArn as string,
    listenerArn: listener?.ListenerArn as string,
    url: `http://${lb.DNSName}:${port}`,
  };
}
