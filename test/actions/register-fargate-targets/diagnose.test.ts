import type { TargetGroup, TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import { describe, expect, it } from "vitest";
import {
  admits,
  healthCheckLine,
  hint,
  type SecurityGroupVerdict,
} from "../../../src/actions/register-fargate-targets/diagnose";
import { taskIp } from "../../../src/actions/register-fargate-targets/discover";

const tg: TargetGroup = {
  Port: 5000,
  HealthCheckProtocol: "HTTP",
  HealthCheckPath: "/healthz",
  HealthCheckPort: "traffic-port",
  Matcher: { HttpCode: "200-399" },
  HealthCheckIntervalSeconds: 5,
  HealthCheckTimeoutSeconds: 4,
  HealthyThresholdCount: 2,
  UnhealthyThresholdCount: 2,
};
const sgOk: SecurityGroupVerdict = {
  albGroups: ["sg-alb"],
  taskGroups: ["sg-task"],
  port: 5000,
  admitted: true,
  line: "",
};
const sgNo: SecurityGroupVerdict = { ...sgOk, admitted: false };
const health = (Reason: string, Description = ""): TargetHealthDescription[] => [
  {
    Target: { Id: "10.0.1.5", Port: 5000 },
    TargetHealth: { State: "unhealthy", Reason: Reason as never, Description },
  },
];

describe("diagnosis", () => {
  it("gives one hint per reason code", () => {
    expect(
      hint(health("Target.ResponseCodeMismatch", "Health checks failed with these codes: [404]"), tg, sgOk, []),
    ).toBe("GET /healthz returned 404 — does the app serve the health-check path? (expected 200-399)");
    expect(
      hint(health("Target.ResponseCodeMismatch", "Health checks failed with these codes: [500]"), tg, sgOk, []),
    ).toMatch(/^GET \/healthz returned 500 — the app answers but its health check fails/);
    expect(hint(health("Target.Timeout"), tg, sgNo, [])).toBe(
      "The task security group does not admit the ALB security group on tcp/5000 — the health checks cannot reach the tasks.",
    );
    expect(hint(health("Target.Timeout"), tg, sgOk, [])).toMatch(/is the app listening on 0\.0\.0\.0:5000/);
    expect(hint(health("Target.FailedHealthChecks"), tg, sgOk, [])).toMatch(/is the app listening on port 5000/);
    expect(hint(health("Target.NotInUse"), tg, sgOk, [])).toMatch(/not used by any listener/);
    expect(
      hint(health("Target.Timeout"), tg, sgOk, [
        {
          taskArn: "t",
          lastStatus: "STOPPED",
          stoppedReason: "Essential container in task exited",
          exitCodes: [{ container: "web", exitCode: 3, reason: undefined }],
        },
      ]),
    ).toBe(
      "A task stopped (Essential container in task exited, web exited with code 3) — read its logs; the app may crash on start.",
    );
  });

  it("describes the health-check settings", () => {
    expect(healthCheckLine(tg)).toBe(
      "HTTP GET /healthz on the traffic port, matcher 200-399, every 5s (timeout 4s), healthy after 2, unhealthy after 2",
    );
  });

  it("tells whether a rule admits the ALB security group on the port", () => {
    const rule = (from: number, to: number, group: string) => ({
      IpProtocol: "tcp",
      FromPort: from,
      ToPort: to,
      UserIdGroupPairs: [{ GroupId: group }],
    });
    const subnets = ["10.0.1.0/24", "10.0.2.0/24"];
    const verdict = (rules: Parameters<typeof admits>[0], cidrs: string[] | undefined = subnets) =>
      admits(rules, ["sg-alb"], 5000, cidrs).admitted;
    expect(verdict([rule(5000, 5000, "sg-alb")])).toBe(true);
    expect(verdict([rule(4000, 6000, "sg-alb")])).toBe(true);
    expect(verdict([rule(80, 80, "sg-alb")])).toBe(false);
    expect(verdict([rule(5000, 5000, "sg-other")])).toBe(false);
    expect(verdict([{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: "sg-alb" }] }])).toBe(true);
  });

  it("counts any IPv4 range covering every ALB subnet as admitting; what it cannot judge is unknown", () => {
    const cidr = (CidrIp: string, port = 5000) => ({
      IpProtocol: "tcp",
      FromPort: port,
      ToPort: port,
      IpRanges: [{ CidrIp }],
    });
    const subnets = ["10.0.1.0/24", "10.0.2.0/24"];
    const verdict = (rules: Parameters<typeof admits>[0], cidrs: string[] | undefined = subnets) =>
      admits(rules, ["sg-alb"], 5000, cidrs);
    expect(verdict([cidr("10.0.0.0/16")])).toMatchObject({
      admitted: true,
      by: expect.stringContaining("10.0.0.0/16"),
    });
    expect(verdict([cidr("0.0.0.0/0")]).admitted).toBe(true);
    expect(verdict([cidr("10.0.1.0/24"), cidr("10.0.2.0/24")]).admitted).toBe(false);
    expect(verdict([cidr("10.0.1.0/24")])).toMatchObject({
      admitted: false,
      why: expect.stringContaining("10.0.2.0/24"),
    });
    expect(verdict([cidr("10.0.0.0/16", 80)]).admitted).toBe(false);
    expect(verdict([cidr("192.168.0.0/16")]).admitted).toBe(false);
    expect(admits([cidr("10.0.0.0/16")], ["sg-alb"], 5000, undefined).admitted).toBeUndefined();
    expect(
      verdict([{ IpProtocol: "tcp", FromPort: 5000, ToPort: 5000, PrefixListIds: [{ PrefixListId: "pl-0abc" }] }]),
    ).toMatchObject({ admitted: undefined, why: expect.stringContaining("pl-0abc") });
  });

  it("names the Availability Zone a NotInUse target is in that the load balancer does not enable", () => {
    const notInUse = [
      {
        Target: { Id: "10.0.3.7", Port: 5000 },
        TargetHealth: { State: "unused" as const, Reason: "Target.NotInUse" as const },
      },
    ];
    const zones = { enabled: ["us-west-2a", "us-west-2b"], outside: [{ target: "10.0.3.7:5000", zone: "us-west-2c" }] };
    expect(hint(notInUse, tg, sgOk, [], zones)).toBe(
      "10.0.3.7:5000 is in us-west-2c, which the load balancer does not enable (it has us-west-2a, us-west-2b) — add a subnet of us-west-2c to ephemeral-alb's 'subnet-ids', or run the service only in us-west-2a, us-west-2b.",
    );
    expect(hint(notInUse, tg, sgOk, [], { enabled: zones.enabled, outside: [] })).toMatch(/not used by any listener/);
  });

  it("reads a task's IP from the ENI attachment, else from the container", () => {
    expect(
      taskIp({
        attachments: [
          { type: "ElasticNetworkInterface", details: [{ name: "privateIPv4Address", value: "10.0.1.5" }] },
        ],
      }),
    ).toBe("10.0.1.5");
    expect(
      taskIp({
        attachments: [{ type: "ElasticNetworkInterface", details: [] }],
        containers: [{ networkInterfaces: [{ privateIpv4Address: "10.0.1.6" }] }],
      }),
    ).toBe("10.0.1.6");
    expect(taskIp({})).toBeUndefined();
  });
});
