// http-evidence-probe end to end on the wire: refused connections, timeouts,
// TLS, resets, non-HTTP replies, big and binary bodies, redirects, --resolve.
// Evidence must be on disk whatever happened.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SampleApp, startHttpsSampleApp, startSampleApp } from "../../fixtures/sample-app";
import { runBundle } from "../../harness/runner";
import { closedPort, evidence, jsonLine, probe, report } from "./helpers";

describe("http-evidence-probe on the wire", () => {
  let app: SampleApp;
  let tlsApp: SampleApp & { cert: { certPath: string } };
  beforeAll(async () => {
    [app, tlsApp] = await Promise.all([startSampleApp(), startHttpsSampleApp()]);
  });
  afterAll(async () => {
    await Promise.all([app?.stop(), tlsApp?.stop()]);
  });

  it("connection refused until the deadline: exit 1, curl's words in the evidence", async () => {
    const port = await closedPort();
    const result = await probe({
      url: `http://127.0.0.1:${port}/healthz`,
      "deadline-seconds": 1,
      "interval-seconds": 0.1,
    });
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe("fail");
    const log = evidence(result)["healthz.log"];
    expect(log).toMatch(
      new RegExp(
        `^curl: \\(7\\) Failed to connect to 127\\.0\\.0\\.1 port ${port} after \\d+ ms: Couldn't connect to server\\n$`,
      ),
    );
    const line = jsonLine(result, "healthz");
    expect(line).toMatchObject({ status: null, result: "fail", error: { code: "ECONNREFUSED", curl_exit: 7 } });
    expect(line.attempts).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(evidence(result)["probe_summary.json"] as string).result).toBe("fail");
    expect(
      result.annotations.find((a) => a.level === "error" && a.title === "Probe healthz failed")?.message,
    ).toContain("curl: (7)");
    expect(result.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it("slow server: times out under timeout-seconds, passes with a longer one", async () => {
    await app.control({ delayMs: 700, delayPaths: ["/healthz"] });
    try {
      const slow = await probe({ url: `${app.url}/healthz`, "timeout-seconds": 0.2, "deadline-seconds": 0 });
      expect(slow.code).toBe(1);
      expect(evidence(slow)["healthz.log"]).toMatch(
        /^curl: \(28\) Operation timed out after \d+ milliseconds with 0 bytes received\n$/,
      );
      expect(jsonLine(slow, "healthz").error).toMatchObject({ code: "TIMEOUT", curl_exit: 28 });

      const patient = await probe({ url: `${app.url}/healthz`, "timeout-seconds": 10, "deadline-seconds": 0 });
      expect(patient.code, patient.stdout).toBe(0);
      expect(jsonLine(patient, "healthz").status).toBe(200);
    } finally {
      await app.control({ reset: true });
    }
  });

  it("body over max-body-bytes: kept up to the limit, truncation noted", async () => {
    const result = await probe({ url: `${app.url}/huge?bytes=300000`, "max-body-bytes": 1000 });
    expect(result.code, result.stdout).toBe(0);
    const log = evidence(result)["huge.log"] as string;
    const body = log.split("\r\n\r\n")[1] as string;
    expect(body.startsWith("x".repeat(1000))).toBe(true);
    expect(body).toContain(
      "[http-evidence-probe] body truncated at max-body-bytes=1000: kept 1000 bytes of 300000 (Content-Length)",
    );
    expect(jsonLine(result, "huge")).toMatchObject({ bytes: 1000, body_truncated: true, content_length: 300000 });
  });

  it("binary body: headers in the log, the bytes in their own file with a sha256", async () => {
    const result = await probe({ url: `${app.url}/binary` });
    expect(result.code, result.stdout).toBe(0);
    const files = evidence(result);
    expect(files["binary.log"]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*content-type: application\/octet-stream\r\n/);
    expect(files["binary.log"]).toContain("Warning: Binary output can mess up your terminal.");
    expect(files["binary.log"]).not.toContain("\u0000");
    const binPath = (result.outputs["evidence-files"] as string)
      .split("\n")
      .find((p) => p.endsWith("_binary_body.bin"));
    const bytes = readFileSync(binPath as string);
    expect(bytes.length).toBe(1024);
    expect([...bytes.subarray(0, 4)]).toEqual([0, 1, 2, 3]);
    expect(jsonLine(result, "binary").body_sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  it("redirect not followed by default (as curl -si); followed with follow-redirects", async () => {
    const before = (await app.state()).counts["/healthz"] ?? 0;
    const plain = await probe({ url: `${app.url}/redirect` });
    expect(plain.code, plain.stdout).toBe(0);
    expect(evidence(plain)["redirect.log"]).toMatch(/^HTTP\/1\.1 302 Found\r\nlocation: \/healthz\r\n/);
    expect(jsonLine(plain, "redirect").status).toBe(302);
    expect((await app.state()).counts["/healthz"] ?? 0).toBe(before);

    const strict = await probe({ url: `${app.url}/redirect`, "expect-status": "200", "deadline-seconds": 0 });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('status: expected "200", got 302');

    const followed = await probe({ url: `${app.url}/redirect`, "follow-redirects": true, "expect-status": "200" });
    expect(followed.code, followed.stdout).toBe(0);
    const log = evidence(followed)["redirect.log"] as string;
    expect(log).toMatch(/^HTTP\/1\.1 302 Found\r\n[\s\S]*\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*"status":"ok"/);
    expect(jsonLine(followed, "redirect").redirects).toEqual([{ status: 302, location: "/healthz" }]);
    expect((await app.state()).counts["/healthz"]).toBe(before + 1);
  });

  it("self-signed TLS: refused without insecure (curl 60), accepted with it", async () => {
    const strict = await probe({ url: `${tlsApp.url}/healthz`, "deadline-seconds": 0 });
    expect(strict.code).toBe(1);
    expect(evidence(strict)["healthz.log"]).toBe("curl: (60) SSL certificate problem: self-signed certificate\n");
    expect(jsonLine(strict, "healthz").error).toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT", curl_exit: 60 });

    const insecure = await probe({ url: `${tlsApp.url}/healthz`, insecure: true });
    expect(insecure.code, insecure.stdout).toBe(0);
    const line = jsonLine(insecure, "healthz");
    expect(line.status).toBe(200);
    expect(typeof line.timings_ms.tls).toBe("number");
    expect(line.timings_ms.tls).toBeGreaterThanOrEqual(line.timings_ms.connect);
  });

  it("resolve pins a host name to a task's address; Host header and TLS name stay the URL's", async () => {
    const result = await probe({
      url: `https://papyrus.internal:${tlsApp.port}/headers`,
      resolve: `papyrus.internal:${tlsApp.port}:${tlsApp.address}`,
      insecure: true,
      "expect-json": `headers.host: papyrus.internal:${tlsApp.port}`,
    });
    expect(result.code, result.stdout).toBe(0);
    expect(jsonLine(result, "headers")).toMatchObject({ resolved_address: tlsApp.address, status: 200 });
    expect(jsonLine(result, "headers").timings_ms.dns).toBe(0);
  });

  it("a trusted CA (NODE_EXTRA_CA_CERTS) verifies fully; through resolve the certificate is checked against the URL's host", async () => {
    const env = { NODE_EXTRA_CA_CERTS: tlsApp.cert.certPath };
    const pinned = (host: string) =>
      runBundle("http-evidence-probe", {
        env,
        inputs: {
          url: `https://${host}:${tlsApp.port}/healthz`,
          resolve: `${host}:${tlsApp.port}:${tlsApp.address}`,
          "deadline-seconds": 0,
        },
      });
    const good = await pinned("papyrus.internal");
    expect(good.code, good.stdout).toBe(0);
    const wrong = await pinned("other.internal");
    expect(wrong.code).toBe(1);
    expect(evidence(wrong)["healthz.log"]).toBe(
      "curl: (60) SSL: no alternative certificate subject name matches target host name 'other.internal'\n",
    );
  });

  it("connection reset, closed without a reply, and a reply that is not HTTP: curl's errors, raw bytes kept", async () => {
    const result = await probe({
      "base-url": app.url,
      paths: "/reset\n/close\n/malformed",
      "deadline-seconds": 0,
    });
    expect(result.code).toBe(1);
    const files = evidence(result);
    expect(files["reset.log"]).toBe("curl: (56) Recv failure: Connection reset by peer\n");
    expect(files["close.log"]).toBe("curl: (52) Empty reply from server\n");
    expect(files["malformed.log"]).toContain("HELLO this is not http");
    expect(files["malformed.log"]).toMatch(/curl: \(1\) Received HTTP\/0\.9 when not allowed\n$/);
    expect(jsonLine(result, "malformed").error.code).toMatch(/^HPE_/);
    expect(report(result).probes.map((p: { result: string }) => p.result)).toEqual(["fail", "fail", "fail"]);
  });

  it("probes YAML: method, headers, body, expect-header and expect-body-contains; secrets stay out of evidence", async () => {
    const result = await probe({
      "base-url": app.url,
      probes: [
        "- name: with-token",
        "  path: /headers",
        "  method: POST",
        "  body: '{\"a\":1}'",
        "  headers:",
        "    Authorization: Bearer sup3r-s3cret-t0ken",
        "    X-Trace: smoke",
        "  expect-header:",
        "    content-type: application/json",
        "  expect-body-contains: x-trace",
        "  expect-json:",
        "    method: POST",
        "    headers.x-trace: smoke",
      ].join("\n"),
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.masked).toContain("Bearer sup3r-s3cret-t0ken");
    const all = Object.values(evidence(result)).join("\n") + result.summary + JSON.stringify(result.outputs);
    expect(all).not.toContain("sup3r-s3cret-t0ken");
    expect(evidence(result)["with-token.log"]).toContain('"authorization":"***"');
  });
});
