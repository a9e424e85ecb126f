/**
 * ephemeral-alb with `certificate-arn`, through the bundles: an HTTPS listener
 * that really serves the ACM certificate (a client trusting the test CA gets
 * the app's answer), the HTTP listener's redirect, the ALB security group open
 * on both ports, and a teardown that leaves nothing. Bad certificate inputs
 * fail before anything is created.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, get } from "../../emulator/elbv2-helpers";
import type { RunningEmulator } from "../../emulator/server";
import { type AlbCertificate, albCertificate } from "../../fixtures/alb-certificate";
import { type SampleApp, startTasks } from "../../fixtures/sample-app";
import { errors } from "../../harness/runner";
import {
  albInputs,
  describeRun,
  emulatorFor,
  inProcess,
  leftovers,
  REGION,
  registerInputs,
  scenario,
  taskSpecs,
} from "./cycle";

/** Behaviour tests: the steps run in this process (test/harness/in-process.ts). */
const { runAlb, runAlbPost, runRegister, runRegisterPost } = inProcess;

const PENDING_ID = "0b0b0b0b-1111-2222-3333-444455556666";
const PENDING_ARN = `arn:aws:acm:${REGION}:123456789012:certificate/${PENDING_ID}`;

/** GET over TLS to `address:port`, asking for (and verifying) `host`, trusting only `ca`. */
function httpsGet(address: string, port: number, host: string, path: string, ca: Buffer) {
  return new Promise<{ status: number; body: string; proto?: string }>((resolve, reject) => {
    const req = request(
      { host: address, port, path, servername: host, headers: { host }, ca, agent: false, timeout: 10_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

describe("ephemeral-alb: HTTPS listener (certificate-arn)", () => {
  let apps: SampleApp[] = [];
  let emu: RunningEmulator;
  let cert: AlbCertificate;

  beforeAll(async () => {
    cert = albCertificate(mkdtempSync(join(tmpdir(), "eas-https-")));
    apps = await startTasks(2);
    emu = await emulatorFor(
      scenario({
        tasks: taskSpecs(apps),
        extra: {
          acm: {
            certificates: [
              ...cert.scenario.certificates,
              { id: PENDING_ID, domainName: cert.host, status: "PENDING_VALIDATION" },
            ],
          },
        },
      }),
    );
  });
  afterAll(async () => {
    await emu?.stop();
    await Promise.all(apps.map((a) => a.stop()));
  });

  it("serves the certificate on https-port, redirects HTTP with 301, opens both ports, and destroys everything", async () => {
    const httpsPort = await freePort();
    const inputs = await albInputs({ "certificate-arn": cert.arn, "https-port": httpsPort, "redirect-http": true });
    const alb = await runAlb(emu, inputs);
    expect(alb.code, describeRun(alb)).toBe(0);
    const dns = alb.outputs["dns-name"] as string;
    expect(alb.outputs["https-url"]).toBe(`https://${cert.host}:${httpsPort}`);
    expect(alb.outputs["https-resolve"]).toBe(`${cert.host}:${httpsPort}:${dns}`);
    expect(alb.outputs["https-listener-arn"]).toMatch(/:listener\/app\//);
    const resources = JSON.parse(alb.outputs.resources ?? "{}");
    expect(resources.httpsListener).toMatchObject({
      port: httpsPort,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificate: { arn: cert.arn, domainName: cert.host, status: "ISSUED", issuer: `CN=${cert.caName}` },
    });
    const evidence = join(alb.workspace, "evidence");
    const listeners = JSON.parse(
      readFileSync(join(evidence, readdirSync(evidence).find((f) => f.endsWith("_listeners.json")) as string), "utf8"),
    );
    expect(listeners.map((l: { Protocol: string }) => l.Protocol)).toEqual(["HTTP", "HTTPS"]);
    expect(listeners[1].Certificates).toEqual([{ CertificateArn: cert.arn }]);

    const ec2 = new EC2Client({
      endpoint: emu.endpoint,
      region: REGION,
      credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
    });
    const sg = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [alb.outputs["security-group-id"] as string] }),
    );
    expect(sg.SecurityGroups?.[0]?.IpPermissions?.map((p) => p.FromPort).sort()).toEqual(
      [Number(inputs["listener-port"]), httpsPort].sort(),
    );

    const reg = await runRegister(emu, registerInputs(alb.outputs["target-group-arn"] as string), {
      workspace: alb.workspace,
    });
    expect(reg.code, describeRun(reg)).toBe(0);

    const ca = readFileSync(cert.caPath);
    const answer = await httpsGet(dns, httpsPort, cert.host, "/healthz", ca);
    expect(answer.status, answer.body).toBe(200);
    const redirect = await get(`${alb.outputs.url}/healthz?probe=1`, 5_000, { Host: cert.host });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`https://${cert.host}:${httpsPort}/healthz?probe=1`);

    expect((await runRegisterPost(emu, reg)).code).toBe(0);
    const post = await runAlbPost(emu, alb);
    expect(post.code, describeRun(post)).toBe(0);
    expect(post.summary).toContain("nothing left behind");
    // The summary masks the account ID (mask-account-ids defaults to true); the output keeps the real ARN.
    expect(post.summary).toContain(String(alb.outputs["https-listener-arn"]).replace(/:\d{12}:/, ":************:"));
    expect(leftovers(emu)).toEqual({});
  });

  it("refuses a certificate that does not exist, is in another region or is not ISSUED, and an unknown policy, creating nothing", async () => {
    const missing = `arn:aws:acm:${REGION}:123456789012:certificate/${"9".repeat(8)}-9999-9999-9999-${"9".repeat(12)}`;
    const elsewhere = cert.arn.replace(`:${REGION}:`, ":eu-west-1:");
    const cases: [Record<string, string | boolean>, RegExp][] = [
      [
        { "certificate-arn": missing },
        /Input 'certificate-arn': .+ does not exist in us-west-2 \(acm:DescribeCertificate: ResourceNotFoundException\)/,
      ],
      [
        { "certificate-arn": elsewhere },
        /Input 'certificate-arn': .+ is in eu-west-1, but the load balancer is created in us-west-2/,
      ],
      [
        { "certificate-arn": PENDING_ARN },
        /Input 'certificate-arn': the certificate for papyrus\.smoke\.test .+ is PENDING_VALIDATION, not ISSUED/,
      ],
      [
        { "certificate-arn": "arn:aws:acm:us-west-2:123456789012:cert" },
        /Input 'certificate-arn': .+ is not an ACM certificate ARN/,
      ],
      [
        { "certificate-arn": cert.arn, "ssl-policy": "ELBSecurityPolicy-TLS13-9-9-2099-01" },
        /Input 'ssl-policy': .+ \(SSLPolicyNotFound\)/,
      ],
      [
        { "redirect-http": true },
        /Input 'redirect-http': applies to the HTTPS listener, which needs 'certificate-arn'/,
      ],
    ];
    for (const [extra, message] of cases) {
      const since = emu.emulator.requests.length;
      const alb = await runAlb(emu, await albInputs(extra));
      expect(alb.code, describeRun(alb)).toBe(1);
      expect(errors(alb).join("\n")).toMatch(message);
      const calls = emu.emulator.requests.slice(since).map((r) => r.action);
      expect(
        calls.filter((a) => a.startsWith("Create") || a.startsWith("Authorize")),
        String(message),
      ).toEqual([]);
      if (extra["certificate-arn"] === elsewhere) expect(calls).not.toContain("DescribeCertificate");
      const post = await runAlbPost(emu, alb);
      expect(post.code, describeRun(post)).toBe(0);
    }
    expect(leftovers(emu)).toEqual({});
  });
});
