import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get } from "../../emulator/elbv2-helpers";
import type { RunningEmulator } from "../../emulator/server";
import { type SampleApp, startTasks } from "../../fixtures/sample-app";
import { usePostgres } from "../../fixtures/use-postgres";
import {
  albInputs,
  describeRun,
  emulatorFor,
  leftovers,
  registerInputs,
  runAlb,
  runAlbPost,
  runRegister,
  runRegisterPost,
  scenario,
  startCheckip,
  TASK_SG,
  taskSpecs,
} from "./cycle";

describe("ephemeral-alb + register-fargate-targets: the whole cycle", () => {
  const db = usePostgres();
  let apps: SampleApp[] = [];
  let emu: RunningEmulator;

  beforeAll(async () => {
    apps = await startTasks(2, { db: db() });
    emu = await emulatorFor(scenario({ tasks: taskSpecs(apps) }));
  });
  afterAll(async () => {
    await emu?.stop();
    await Promise.all(apps.map((a) => a.stop()));
  });

  it("creates, registers two tasks, serves /dbcheck through the ALB, and destroys everything", async () => {
    const checkip = await startCheckip("127.0.0.1");
    try {
      const inputs = await albInputs({ "ingress-cidrs": "auto", "checkip-url": checkip.url });
      const alb = await runAlb(emu, inputs);
      expect(alb.code, describeRun(alb)).toBe(0);
      expect(checkip.hits()).toBe(1);
      const { url } = alb.outputs;
      expect(url).toMatch(new RegExp(`^http://127\\.[0-9.]+:${inputs["listener-port"]}$`));
      expect(alb.outputs["target-group-arn"]).toMatch(/:targetgroup\//);
      expect(alb.outputs["security-group-id"]).toMatch(/^sg-/);
      const resources = JSON.parse(alb.outputs.resources ?? "{}");
      expect(resources.securityGroup.ingress.cidrs).toEqual(["127.0.0.1/32"]);
      expect(resources.taskIngress.groupId).toBe(TASK_SG);

      // Evidence: the audit record and the listeners.
      const files = readdirSync(join(alb.workspace, "evidence"));
      expect(files.some((f) => /^\d{8}_\d{6}_alb_resources\.json$/.test(f))).toBe(true);
      const listenersFile = files.find((f) => f.endsWith("_listeners.json")) as string;
      const listeners = JSON.parse(readFileSync(join(alb.workspace, "evidence", listenersFile), "utf8"));
      expect(listeners[0].ListenerArn).toBe(alb.outputs["listener-arn"]);

      const reg = await runRegister(emu, registerInputs(alb.outputs["target-group-arn"] as string), {
        workspace: alb.workspace,
      });
      expect(reg.code, describeRun(reg)).toBe(0);
      expect(reg.outputs.healthy).toBe("true");
      expect(reg.outputs["target-count"]).toBe("2");
      const targets = JSON.parse(reg.outputs.targets ?? "[]") as { id: string; port: number; state: string }[];
      expect(targets.map((t) => t.id).sort()).toEqual(apps.map((a) => a.address).sort());
      expect(targets.every((t) => t.port === 5000 && t.state === "healthy")).toBe(true);
      const evidence = readdirSync(join(alb.workspace, "evidence"));
      expect(evidence.some((f) => f.endsWith("_tasks.json"))).toBe(true);
      expect(evidence.some((f) => f.endsWith("_tg_health.json"))).toBe(true);

      // A real request through the load balancer reaches a task, which writes to PostgreSQL.
      await db().query("DELETE FROM papyrus_schema.products WHERE sku = 'SKU-APP'");
      const answer = await get(`${url}/dbcheck`);
      expect(answer.status, answer.body).toBe(200);
      const rows = await db().query("SELECT sku FROM papyrus_schema.products WHERE sku = 'SKU-APP'");
      expect(rows.rowCount).toBe(1);

      const regPost = await runRegisterPost(emu, reg);
      expect(regPost.code, describeRun(regPost)).toBe(0);
      const post = await runAlbPost(emu, alb);
      expect(post.code, describeRun(post)).toBe(0);
      expect(post.summary).toContain("nothing left behind");
      expect(leftovers(emu)).toEqual({});
    } finally {
      await checkip.stop();
    }
  });
});
