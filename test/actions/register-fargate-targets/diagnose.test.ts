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
    expect(admits([rule(5000, 5000, "sg-alb")], ["sg-alb"], 5000)).toBe(true);
    expect(admits([rule(4000, 6000, "sg-alb")], ["sg-alb"], 5000)).toBe(true);
    expect(admits([rule(80, 80, "sg-alb")], ["sg-alb"], 5000)).toBe(false);
    expect(admits([rule(5000, 5000, "sg-other")], ["sg-alb"], 5000)).toBe(false);
    expect(admits([{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: "sg-alb" }] }], ["sg-alb"], 5000)).toBe(true);
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
