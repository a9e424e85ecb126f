import { ModifyTargetGroupCommand, RegisterTargetsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SampleApp, startSampleApp } from "../fixtures/sample-app";
import { get, httpStack, targetHealth, waitFor } from "./elbv2-helpers";
import { type RunningEmulator, startEmulator } from "./server";

let emu: RunningEmulator;
const started: SampleApp[] = [];

beforeAll(async () => {
  emu = await startEmulator({
    timeScale: 0.01,
    // Registration lasts 200 ms, long enough for the poll below to see Elb.RegistrationInProgress.
    scenario: { elbv2: { provisioningSeconds: 5, registrationSeconds: 20 } },
  });
});
afterAll(async () => {
  await emu.stop();
  await Promise.all(started.map((a) => a.stop()));
});

async function app(): Promise<SampleApp> {
  const a = await startSampleApp();
  started.push(a);
  return a;
}

type Seen = { state: string; reason?: string; description?: string; healthzCalls: number };

/** Polls the target's health (bounded), recording each change, until `until` holds. */
async function watch(
  s: Awaited<ReturnType<typeof httpStack>>,
  target: SampleApp,
  until: (seen: Seen) => boolean,
): Promise<Seen[]> {
  const seen: Seen[] = [];
  await waitFor(
    async () => {
      const t = (await targetHealth(s.elb, s.tgArn))[0]?.TargetHealth;
      const healthzCalls = (await target.state()).counts["/healthz"] ?? 0;
      const now: Seen = { state: String(t?.State), healthzCalls };
      if (t?.Reason) now.reason = t.Reason;
      if (t?.Description) now.description = t.Description;
      const last = seen[seen.length - 1];
      if (!last || last.state !== now.state || last.reason !== now.reason) seen.push(now);
      return now;
    },
    until,
    { tries: 400, delayMs: 10 },
  );
  return seen;
}

describe("real health checks", () => {
  it("a target whose /healthz answers 500 goes unhealthy (ResponseCodeMismatch) after the threshold, then healthy when it recovers", async () => {
    const target = await app();
    await target.control({ healthzStatus: 500 });
    // A 20 s interval (200 ms here) keeps each phase long enough for the poll to see it on a busy machine.
    const s = await httpStack(emu, { name: "hc-500", unhealthyThreshold: 3, healthyThreshold: 3, intervalSeconds: 20 });
    await s.elb.send(
      new RegisterTargetsCommand({ TargetGroupArn: s.tgArn, Targets: [{ Id: target.address, Port: target.port }] }),
    );
    const failing = await watch(s, target, (x) => x.state === "unhealthy");
    expect(failing.map((x) => `${x.state}/${x.reason}`)).toEqual([
      "initial/Elb.RegistrationInProgress",
      "initial/Elb.InitialHealthChecking",
      "unhealthy/Target.ResponseCodeMismatch",
    ]);
    const unhealthy = failing[failing.length - 1] as Seen;
    expect(unhealthy.description).toBe("Health checks failed with these codes: [500]");
    expect(unhealthy.healthzCalls).toBeGreaterThanOrEqual(3);
    expect((await get(`${s.url}/healthz`)).status).toBe(503);

    // Counted before the switch: the healthy-threshold successes all come after it.
    const before = (await target.state()).counts["/healthz"] ?? 0;
    await target.control({ healthzStatus: 200 });
    const recovering = await watch(s, target, (x) => x.state === "healthy");
    expect(recovering.map((x) => x.state)).toEqual(["unhealthy", "healthy"]);
    expect((recovering[1] as Seen).healthzCalls - before).toBeGreaterThanOrEqual(3);
    const through = await get(`${s.url}/healthz`);
    expect(through.status).toBe(200);
  });

  it("uses the health-check path and matcher: a redirecting path fails matcher 200, fixed by ModifyTargetGroup", async () => {
    const target = await app();
    const s = await httpStack(emu, { name: "hc-path", healthCheckPath: "/redirect", matcher: "200" });
    await s.elb.send(
      new RegisterTargetsCommand({ TargetGroupArn: s.tgArn, Targets: [{ Id: target.address, Port: target.port }] }),
    );
    const seen = await watch(s, target, (x) => x.state === "unhealthy");
    expect((seen[seen.length - 1] as Seen).description).toMatch(/^Health checks failed with these codes: \[30\d\]$/);
    await s.elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: s.tgArn, HealthCheckPath: "/healthz" }));
    const fixed = await watch(s, target, (x) => x.state === "healthy");
    expect(fixed[fixed.length - 1]?.state).toBe("healthy");
  });

  it("a stopped target fails with Target.FailedHealthChecks, a slow one with Target.Timeout", async () => {
    const dead = await app();
    const slow = await app();
    const s = await httpStack(emu, { name: "hc-down" });
    await s.elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: s.tgArn,
        Targets: [
          { Id: dead.address, Port: dead.port },
          { Id: slow.address, Port: slow.port },
        ],
      }),
    );
    await waitFor(
      () => targetHealth(s.elb, s.tgArn),
      (d) => d.every((t) => t.TargetHealth?.State === "healthy"),
    );
    await dead.stop();
    // Slower than the real-request floor of 1 s (the 2 s timeout scales to 20 ms).
    await slow.control({ delayMs: 1_500, delayPaths: ["/healthz"] });
    const health = await waitFor(
      () => targetHealth(s.elb, s.tgArn),
      (d) => d.every((t) => t.TargetHealth?.State === "unhealthy"),
      { tries: 200, delayMs: 50 },
    );
    const byId = Object.fromEntries(health.map((t) => [t.Target?.Id, t.TargetHealth]));
    expect(byId[dead.address]).toMatchObject({ State: "unhealthy", Reason: "Target.FailedHealthChecks" });
    expect(byId[slow.address]).toMatchObject({ State: "unhealthy", Reason: "Target.Timeout" });
  });
});
