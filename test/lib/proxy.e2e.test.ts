/**
 * Self-hosted runners behind a proxy, end to end through the committed
 * bundles: AWS calls, the GitHub API, checkip and the artifact upload go
 * through a loopback forward proxy that records every request.
 *
 * Real AWS and GitHub endpoints are https, so the emulator and the GitHub
 * fake sit behind a TLS front whose certificate the bundles trust
 * (NODE_EXTRA_CA_CERTS), and clients reach them by names that only the proxy
 * resolves (`aws.emulator.test` ...): dialled directly, the loopback guard
 * refuses such a name, so a call that succeeds went through the proxy.
 * NO_PROXY cases use loopback addresses, which the bundles may dial.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  albInputs,
  scenario as albScenario,
  describeRun,
  emulatorFor,
  runAlb,
  runAlbPost,
} from "../actions/ephemeral-alb/cycle";
import {
  scenario as preflightScenario,
  taskDefinition,
  workspaceWith,
} from "../actions/iam-simulate-preflight/scenario";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { startArtifactService } from "../fakes/artifact-service";
import { type GitHubFake, startGitHubFake } from "../fakes/github-api";
import { startHttpProxy, type TestProxy } from "../fixtures/http-proxy";
import { makeSelfSignedCert, type SelfSignedCert, startTlsFront, type TlsFront } from "../fixtures/tls";
import { type RunResult, runBundle } from "../harness/runner";

const AWS_HOST = "aws.emulator.test";
const GITHUB_HOST = "api.github.test";
const CHECKIP_HOST = "checkip.test";
const RESULTS_HOST = "results.test";

let cert: SelfSignedCert;
let emu: RunningEmulator;
let awsFront: TlsFront;
let github: GitHubFake;
let githubFront: TlsFront;
let proxy: TestProxy;

beforeAll(async () => {
  cert = makeSelfSignedCert(mkdtempSync(join(tmpdir(), "proxy-tls-")), {
    dnsNames: ["localhost", AWS_HOST, GITHUB_HOST, CHECKIP_HOST],
    ips: ["127.0.0.1"],
  });
  emu = await startEmulator({ scenario: preflightScenario({}) });
  awsFront = await startTlsFront(emu.port, cert);
  github = await startGitHubFake({ prefix: "/api/v3" });
  githubFront = await startTlsFront(Number(new URL(github.url).port), cert);
});

afterAll(async () => {
  await awsFront?.stop();
  await githubFront?.stop();
  await github?.stop();
  await emu?.stop();
});

afterEach(async () => {
  await proxy?.stop();
});

async function proxyFor(hosts: Record<string, string> = {}) {
  proxy = await startHttpProxy({
    hosts: { [AWS_HOST]: "127.0.0.1", [GITHUB_HOST]: "127.0.0.1", [CHECKIP_HOST]: "127.0.0.1", ...hosts },
  });
  return proxy;
}

function preflight(env: Record<string, string>, comment = false): Promise<RunResult> {
  return runBundle("iam-simulate-preflight", {
    workspace: workspaceWith("td.json", taskDefinition([{ name: "web" }])),
    inputs: { "task-definition": "td.json", comment: String(comment), "github-token": "ghs_proxy" },
    env: { NODE_EXTRA_CA_CERTS: cert.certPath, ...env },
    event: { pull_request: { number: 7 } },
    eventName: "pull_request",
  });
}

const simulateCalls = () => emu.emulator.requests.filter((r) => r.action === "SimulatePrincipalPolicy").length;

describe("behind a proxy: AWS calls and the GitHub API (iam-simulate-preflight bundle)", () => {
  it.each([
    ["HTTPS_PROXY", "upper case"],
    ["https_proxy", "lower case"],
  ])("%s (%s): every AWS call and the PR comment are tunnelled with CONNECT", async (variable) => {
    const p = await proxyFor();
    const before = simulateCalls();
    const commentsBefore = github.commentsOn(7).length;
    const r = await preflight(
      {
        AWS_ENDPOINT_URL: `https://${AWS_HOST}:${awsFront.port}`,
        GITHUB_API_URL: `https://${GITHUB_HOST}:${githubFront.port}/api/v3`,
        [variable]: p.url,
      },
      true,
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.outputs.result).toBe("pass");
    expect(simulateCalls()).toBeGreaterThan(before);
    expect(p.requests).toContain(`CONNECT ${AWS_HOST}:${awsFront.port}`);
    expect(p.requests).toContain(`CONNECT ${GITHUB_HOST}:${githubFront.port}`);
    // Nothing else passed the proxy, and nothing went around it (the names resolve only there).
    expect(new Set(p.requests)).toEqual(
      new Set([`CONNECT ${AWS_HOST}:${awsFront.port}`, `CONNECT ${GITHUB_HOST}:${githubFront.port}`]),
    );
    expect(github.commentsOn(7).length).toBeGreaterThanOrEqual(Math.max(1, commentsBefore));
  });

  it.each([
    ["NO_PROXY", "localhost", "upper case"],
    ["no_proxy", "127.0.0.1", "lower case"],
  ])("%s=%s (%s): AWS calls go direct, the proxy sees nothing", async (variable, host) => {
    const p = await proxyFor();
    const before = simulateCalls();
    const r = await preflight({
      AWS_ENDPOINT_URL: `https://${host}:${awsFront.port}`,
      HTTPS_PROXY: p.url,
      [variable]: `.corp.example,${host}`,
    });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(simulateCalls()).toBeGreaterThan(before);
    expect(p.requests).toEqual([]);
  });

  it("an http:// endpoint (the emulator as users run it) goes through HTTP_PROXY as absolute-URI requests", async () => {
    const p = await proxyFor();
    const r = await preflight({ AWS_ENDPOINT_URL: `http://${AWS_HOST}:${emu.port}`, HTTP_PROXY: p.url });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(p.requests.length).toBeGreaterThan(0);
    expect(p.requests.every((line) => line === `POST http://${AWS_HOST}:${emu.port}/`)).toBe(true);
  });

  it("without the proxy variable the same endpoint name is unreachable (the test can fail)", async () => {
    const r = await preflight({ AWS_ENDPOINT_URL: `https://${AWS_HOST}:${awsFront.port}`, AWS_MAX_ATTEMPTS: "1" });
    expect(r.code).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toContain("loopback guard");
  });
});

describe("behind a proxy: ephemeral-alb's checkip and AWS calls", () => {
  let albEmu: RunningEmulator;
  let albFront: TlsFront;
  beforeAll(async () => {
    albEmu = await emulatorFor(albScenario({ tasks: [] }));
    albFront = await startTlsFront(albEmu.port, cert);
  });
  afterAll(async () => {
    await albFront?.stop();
    await albEmu?.stop();
  });

  it("finds the runner's address through the proxy and creates and destroys the ALB through it", async () => {
    let checkipHits = 0;
    const checkip = createServer({ cert: readFileSync(cert.certPath), key: readFileSync(cert.keyPath) }, (_q, res) => {
      checkipHits++;
      res.end("127.0.0.1\n");
    });
    await new Promise<void>((resolve) => checkip.listen(0, "127.0.0.1", resolve));
    const checkipPort = (checkip.address() as AddressInfo).port;
    try {
      const p = await proxyFor();
      const env = {
        AWS_ENDPOINT_URL: `https://${AWS_HOST}:${albFront.port}`,
        NODE_EXTRA_CA_CERTS: cert.certPath,
        https_proxy: p.url,
      };
      const inputs = await albInputs({
        "ingress-cidrs": "auto",
        "checkip-url": `https://${CHECKIP_HOST}:${checkipPort}/`,
      });
      const alb = await runAlb(albEmu, inputs, { env });
      expect(alb.code, describeRun(alb)).toBe(0);
      expect(checkipHits).toBe(1);
      expect(JSON.parse(alb.outputs.resources ?? "{}").securityGroup.ingress.cidrs).toEqual(["127.0.0.1/32"]);
      expect(p.requests).toContain(`CONNECT ${CHECKIP_HOST}:${checkipPort}`);
      expect(p.requests).toContain(`CONNECT ${AWS_HOST}:${albFront.port}`);
      const post = await runAlbPost(albEmu, alb, { env });
      expect(post.code, describeRun(post)).toBe(0);
      expect(albEmu.emulator.leftovers()).toEqual({});
    } finally {
      checkip.closeAllConnections();
      await new Promise<void>((resolve) => checkip.close(() => resolve()));
    }
  });
});

describe("behind a proxy: evidence-mask's artifact upload (@actions/artifact)", () => {
  it("sends the Twirp calls and the blob upload through the proxy", async () => {
    const svc = await startArtifactService();
    try {
      const p = await proxyFor({ [RESULTS_HOST]: "127.0.0.1" });
      const ws = mkdtempSync(join(tmpdir(), "proxy-art-"));
      const { mkdirSync, writeFileSync } = await import("node:fs");
      mkdirSync(join(ws, "evidence"));
      writeFileSync(join(ws, "evidence", "healthz.log"), "HTTP/1.1 200 OK\n");
      const servicePort = new URL(svc.url).port;
      const r = await runBundle("evidence-mask", {
        workspace: ws,
        inputs: { "secret-values": "Pg-p4ss!w0rd#2025", "account-ids": "111122223333", "artifact-name": "evidence" },
        env: {
          ...svc.env,
          // @actions/http-client never proxies loopback, so the service gets a name only the proxy resolves.
          ACTIONS_RESULTS_URL: `http://${RESULTS_HOST}:${servicePort}/`,
          HTTP_PROXY: p.url,
          HTTPS_PROXY: p.url,
        },
      });
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(svc.uploads()).toHaveLength(1);
      // @actions/http-client tunnels the Twirp calls with CONNECT, even to an http:// service.
      expect(p.requests).toContain(`CONNECT ${RESULTS_HOST}:${servicePort}`);
      // The Azure blob client proxies every URL, loopback included: absolute-URI PUTs of the blocks.
      expect(p.requests.some((line) => line.startsWith(`PUT ${svc.url}/fakeaccount/`))).toBe(true);
      // No AWS_ENDPOINT_URL: the STS lookup aims at the real https endpoint, port 443, through the
      // proxy (which cannot reach it from here; the step goes on without the caller's account).
      expect(p.requests).toContain("CONNECT sts.us-west-2.amazonaws.com:443");
    } finally {
      await svc.stop();
    }
  });
});
