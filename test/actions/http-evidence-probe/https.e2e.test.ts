/**
 * http-evidence-probe over HTTPS through an emulated ALB that terminates TLS
 * with an ACM certificate of a test CA, all through the bundles: trusted with
 * `ca-file` (never `insecure`), refused without it naming the CA, the TLS
 * facts in the JSON line, and the HTTP listener's redirect followed to HTTPS.
 */
import { X509Certificate } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../emulator/elbv2-helpers";
import type { RunningEmulator } from "../../emulator/server";
import { type AlbCertificate, albCertificate } from "../../fixtures/alb-certificate";
import { type SampleApp, startTasks } from "../../fixtures/sample-app";
import type { RunResult } from "../../harness/runner";
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
  taskSpecs,
} from "../ephemeral-alb/cycle";
import { expectInputError, jsonLine, probe } from "./helpers";

describe("http-evidence-probe: HTTPS through the ALB (ca-file)", () => {
  let apps: SampleApp[] = [];
  let emu: RunningEmulator;
  let cert: AlbCertificate;
  let alb: RunResult;
  let reg: RunResult;
  let listenerPort: number;
  let httpsPort: number;
  const withCa = (ws: string) => copyFileSync(cert.caPath, join(ws, "ca.pem"));

  beforeAll(async () => {
    cert = albCertificate(mkdtempSync(join(tmpdir(), "probe-https-")));
    apps = await startTasks(2);
    emu = await emulatorFor(scenario({ tasks: taskSpecs(apps), extra: { acm: cert.scenario } }));
    httpsPort = await freePort();
    const inputs = await albInputs({ "certificate-arn": cert.arn, "https-port": httpsPort, "redirect-http": true });
    listenerPort = Number(inputs["listener-port"]);
    alb = await runAlb(emu, inputs);
    expect(alb.code, describeRun(alb)).toBe(0);
    reg = await runRegister(emu, registerInputs(alb.outputs["target-group-arn"] as string), {
      workspace: alb.workspace,
    });
    expect(reg.code, describeRun(reg)).toBe(0);
  });
  afterAll(async () => {
    if (reg) await runRegisterPost(emu, reg);
    if (alb) expect((await runAlbPost(emu, alb)).code).toBe(0);
    expect(leftovers(emu)).toEqual({});
    await emu?.stop();
    await Promise.all(apps.map((a) => a.stop()));
  });

  const base = () => ({
    "base-url": alb.outputs["https-url"] as string,
    resolve: alb.outputs["https-resolve"] as string,
    paths: "/healthz",
    "deadline-seconds": 0,
  });

  it("passes with ca-file and records TLS version, cipher, subject, issuer, expiry and fingerprint", async () => {
    const r = await probe({ ...base(), "ca-file": "ca.pem" }, withCa);
    expect(r.code, describeRun(r)).toBe(0);
    const line = jsonLine(r, "healthz");
    expect(line).toMatchObject({ result: "pass", status: 200, url: `${alb.outputs["https-url"]}/healthz` });
    const served = new X509Certificate(cert.scenario.certificates[0]?.certificate as string);
    expect(line.tls).toEqual({
      version: "TLSv1.3",
      cipher: expect.stringMatching(/^TLS_(AES|CHACHA20)/),
      subject: `CN=${cert.host}`,
      issuer: `CN=${cert.caName}`,
      subject_alt_names: `DNS:${cert.host}`,
      valid_from: new Date(served.validFrom).toISOString(),
      valid_to: new Date(served.validTo).toISOString(),
      serial: served.serialNumber,
      fingerprint256: served.fingerprint256,
      verified: true,
    });
  });

  it("fails without ca-file: curl's exit 60, naming the CA the chain ends at, and the certificate in the evidence", async () => {
    const r = await probe(base());
    expect(r.code).toBe(1);
    const line = jsonLine(r, "healthz");
    expect(line.result).toBe("fail");
    expect(line.status).toBeNull();
    expect(line.error).toMatchObject({ curl_exit: 60, code: "SELF_SIGNED_CERT_IN_CHAIN" });
    expect(line.error.message).toBe("curl: (60) SSL certificate problem: self-signed certificate in certificate chain");
    const named = `issued by 'CN=${cert.caName}', which is not trusted: give that CA's certificate as 'ca-file'`;
    expect(line.error.hint).toContain(named);
    expect(line.reasons.join("\n")).toContain(named);
    expect(line.tls).toMatchObject({ subject: `CN=${cert.host}`, issuer: `CN=${cert.caName}`, verified: false });
  });

  it("follows the HTTP listener's 301 to HTTPS and verifies there", async () => {
    const r = await probe(
      {
        url: `http://${cert.host}:${listenerPort}/healthz`,
        resolve: `${cert.host}:${listenerPort}:${alb.outputs["dns-name"]}\n${alb.outputs["https-resolve"]}`,
        "follow-redirects": true,
        "ca-file": "ca.pem",
        "deadline-seconds": 0,
      },
      withCa,
    );
    expect(r.code, describeRun(r)).toBe(0);
    const line = jsonLine(r, "healthz");
    expect(line.redirects).toEqual([{ status: 301, location: `https://${cert.host}:${httpsPort}/healthz` }]);
    expect(line).toMatchObject({ status: 200, tls: { version: "TLSv1.3", verified: true } });
  });

  it("refuses a ca-file outside the workspace, and one with no certificate, before any request", async () => {
    expectInputError(await probe({ ...base(), "ca-file": "../ca.pem" }), "ca-file");
    expectInputError(
      await probe({ ...base(), "ca-file": "ca.pem" }, (ws) => writeFileSync(join(ws, "ca.pem"), "not a certificate\n")),
      "ca-file",
    );
    expect(readFileSync(cert.caPath, "utf8")).toContain("BEGIN CERTIFICATE");
  });
});
