/**
 * The emulator's ACM and the HTTPS listeners that serve its certificates: real
 * TLS with the imported certificate and key, the security policy's TLS
 * versions, AWS's errors, and the redirect action.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import {
  ACMClient,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ImportCertificateCommand,
  paginateListCertificates,
} from "@aws-sdk/client-acm";
import {
  CreateListenerCommand,
  DeleteListenerCommand,
  DescribeListenersCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CertificateAuthority,
  issueServerCertificate,
  makeCertificateAuthority,
  makeSelfSignedCert,
} from "../fixtures/tls";
import { activeLoadBalancer, clients, freePort, get, httpStack } from "./elbv2-helpers";
import { type RunningEmulator, startEmulator } from "./server";

const ACCOUNT = "123456789012";
const HOST = "papyrus.smoke.test";
const PENDING_ID = "0a0a0a0a-1111-2222-3333-444455556666";
const PENDING_ARN = `arn:aws:acm:us-west-2:${ACCOUNT}:certificate/${PENDING_ID}`;
let emu: RunningEmulator;
let acm: ACMClient;
let ca: CertificateAuthority;
let dir: string;
const read = (p: string) => readFileSync(p);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "acm-test-"));
  ca = makeCertificateAuthority(dir);
  emu = await startEmulator({
    timeScale: 0.01,
    scenario: { acm: { certificates: [{ id: PENDING_ID, domainName: HOST, status: "PENDING_VALIDATION" }] } },
  });
  acm = new ACMClient({
    endpoint: emu.endpoint,
    region: "us-west-2",
    credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  acm.destroy();
  await emu.stop();
});

async function importServerCert(name: string, opts: { chain?: boolean } = {}): Promise<string> {
  const cert = issueServerCertificate(ca, dir, { name, dnsNames: [HOST] });
  const out = await acm.send(
    new ImportCertificateCommand({
      Certificate: read(cert.certPath),
      PrivateKey: read(cert.keyPath),
      ...(opts.chain === false ? {} : { CertificateChain: read(ca.certPath) }),
    }),
  );
  return out.CertificateArn as string;
}

const errorOf = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: Error) => ({ name: e.name, message: e.message }),
  );

/** One TLS handshake with the given trust, answering what the client saw. */
function handshake(
  host: string,
  port: number,
  opts: tls.ConnectionOptions,
): Promise<{ ok: true; protocol: string | null; cipher: string; subject: string } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, servername: HOST, ...opts }, () => {
      const peer = socket.getPeerCertificate();
      resolve({
        ok: true,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
        subject: String(peer.subject?.CN),
      });
      socket.end();
    });
    socket.setTimeout(5_000, () => socket.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    socket.on("error", (e: NodeJS.ErrnoException) => resolve({ ok: false, code: e.code ?? e.message }));
  });
}

type Stack = Awaited<ReturnType<typeof httpStack>>;

/** A new listener on a free port of the stack's (active) load balancer; its address, port and description. */
async function listen(
  stack: Stack,
  settings: Omit<ConstructorParameters<typeof CreateListenerCommand>[0], "LoadBalancerArn" | "Port">,
) {
  const lb = await activeLoadBalancer(stack.elb, stack.lbArn);
  const port = await freePort();
  const out = await stack.elb.send(
    new CreateListenerCommand({ LoadBalancerArn: stack.lbArn, Port: port, ...settings }),
  );
  return { address: lb.DNSName as string, port, listener: out.Listeners?.[0] };
}

const OK = [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: "200", MessageBody: "ok" } }];

describe("ACM", () => {
  it("imports a CA-signed certificate and describes it as ISSUED, with AWS's fields", async () => {
    const arn = await importServerCert("describe");
    expect(arn).toMatch(new RegExp(`^arn:aws:acm:us-west-2:${ACCOUNT}:certificate/[0-9a-f-]{36}$`));
    const cert = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate;
    expect(cert).toMatchObject({
      CertificateArn: arn,
      DomainName: HOST,
      SubjectAlternativeNames: [HOST],
      Status: "ISSUED",
      Type: "IMPORTED",
      Subject: `CN=${HOST}`,
      Issuer: `CN=${ca.commonName}`,
      KeyAlgorithm: "EC_prime256v1",
      InUseBy: [],
    });
    expect(cert?.NotAfter?.getTime()).toBeGreaterThan(Date.now());
  });

  it("refuses material ACM refuses: two certificates, a key of another certificate, a chain that did not sign it", async () => {
    const a = issueServerCertificate(ca, dir, { name: "a", dnsNames: [HOST] });
    const b = issueServerCertificate(ca, dir, { name: "b", dnsNames: [HOST] });
    const stranger = makeSelfSignedCert(dir, { name: "stranger" });
    const both = Buffer.concat([read(a.certPath), read(b.certPath)]);
    for (const [input, message] of [
      [{ Certificate: both, PrivateKey: read(a.keyPath) }, /more than one certificate/],
      [{ Certificate: read(a.certPath), PrivateKey: read(b.keyPath) }, /private key does not match/],
      [
        { Certificate: read(a.certPath), PrivateKey: read(a.keyPath), CertificateChain: read(stranger.certPath) },
        /Could not validate the certificate with the certificate chain/,
      ],
      [{ Certificate: Buffer.from("not a certificate"), PrivateKey: read(a.keyPath) }, /PEM-encoded/],
    ] as const) {
      expect(await errorOf(acm.send(new ImportCertificateCommand(input)))).toMatchObject({
        name: "ValidationException",
        message: expect.stringMatching(message),
      });
    }
  });

  it("DescribeCertificate: a malformed ARN is ValidationException; one of another region or unknown is ResourceNotFoundException", async () => {
    expect(await errorOf(acm.send(new DescribeCertificateCommand({ CertificateArn: "not-an-arn-at-all-x" })))).toEqual({
      name: "ValidationException",
      message: expect.stringMatching(/at 'certificateArn' failed to satisfy constraint/),
    });
    const arn = await importServerCert("regional");
    const elsewhere = arn.replace(":us-west-2:", ":eu-central-1:");
    for (const missing of [
      elsewhere,
      `arn:aws:acm:us-west-2:${ACCOUNT}:certificate/${"f".repeat(8)}-0000-0000-0000-${"0".repeat(12)}`,
    ]) {
      expect(await errorOf(acm.send(new DescribeCertificateCommand({ CertificateArn: missing })))).toEqual({
        name: "ResourceNotFoundException",
        message: `Could not find certificate ${missing}.`,
      });
    }
    // The seeded certificate ACM is still validating.
    expect((await acm.send(new DescribeCertificateCommand({ CertificateArn: PENDING_ARN }))).Certificate).toMatchObject(
      { Status: "PENDING_VALIDATION", Type: "AMAZON_ISSUED" },
    );
  });

  it("ImportCertificate refuses a key algorithm ACM does not take (Ed25519)", async () => {
    // "Prerequisites for importing ACM certificates": RSA 1024 to 4096 and ECDSA P-256/P-384/P-521 only.
    const key = join(dir, "ed25519.key");
    const cert = join(dir, "ed25519.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ed25519",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-subj",
        `/CN=${HOST}`,
        "-days",
        "1",
      ],
      { stdio: "ignore" },
    );
    expect(
      await errorOf(acm.send(new ImportCertificateCommand({ Certificate: read(cert), PrivateKey: read(key) }))),
    ).toEqual({
      name: "ValidationException",
      message: expect.stringContaining("key algorithm (ED25519) is not supported"),
    });
  });

  it("ListCertificates filters by status and key type (RSA 1024/2048 unless Includes says otherwise) and pages", async () => {
    const ec = await importServerCert("list-1"); // the fixture CA issues EC P-256 keys
    await importServerCert("list-2");
    const listed = async (input: object) => {
      const arns: string[] = [];
      for await (const page of paginateListCertificates({ client: acm }, input))
        for (const c of page.CertificateSummaryList ?? []) arns.push(c.CertificateArn as string);
      return arns;
    };
    // "Default filtering returns only RSA_1024 and RSA_2048 certificates" (ListCertificates, Includes.keyTypes).
    expect(await listed({})).not.toContain(ec);
    expect(await listed({ Includes: { keyTypes: ["EC_prime256v1"] } })).toContain(ec);
    const issued: string[] = [];
    for await (const page of paginateListCertificates(
      { client: acm, pageSize: 1 },
      { CertificateStatuses: ["ISSUED"], Includes: { keyTypes: ["EC_prime256v1", "RSA_2048"] } },
    )) {
      expect((page.CertificateSummaryList ?? []).length).toBeLessThanOrEqual(1);
      for (const c of page.CertificateSummaryList ?? []) issued.push(c.Status as string);
    }
    expect(issued.length).toBeGreaterThanOrEqual(2);
    expect(new Set(issued)).toEqual(new Set(["ISSUED"]));
  });
});

describe("HTTPS listeners", () => {
  it("terminate TLS with the imported certificate: trusted through the CA, refused without it; InUseBy blocks deletion", async () => {
    const certArn = await importServerCert("listener");
    const stack = await httpStack(emu, { name: "https-lb" });
    const { address, port, listener } = await listen(stack, {
      Protocol: "HTTPS",
      Certificates: [{ CertificateArn: certArn }],
      SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      DefaultActions: OK,
    });
    expect(listener).toMatchObject({
      Protocol: "HTTPS",
      Certificates: [{ CertificateArn: certArn }],
      SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    });
    expect(await handshake(address, port, { ca: read(ca.certPath) })).toEqual({
      ok: true,
      protocol: "TLSv1.3",
      cipher: expect.stringMatching(/^TLS_/),
      subject: HOST,
    });
    // The policy's floor is TLS 1.2: a TLS 1.2 client gets one of its ECDHE ciphers.
    expect(await handshake(address, port, { ca: read(ca.certPath), maxVersion: "TLSv1.2" })).toMatchObject({
      ok: true,
      protocol: "TLSv1.2",
      cipher: expect.stringMatching(/^ECDHE-/),
    });
    // The chain ends in the test CA, which this client does not trust.
    expect(await handshake(address, port, {})).toEqual({ ok: false, code: "SELF_SIGNED_CERT_IN_CHAIN" });

    expect((await acm.send(new DescribeCertificateCommand({ CertificateArn: certArn }))).Certificate?.InUseBy).toEqual([
      stack.lbArn,
    ]);
    expect(await errorOf(acm.send(new DeleteCertificateCommand({ CertificateArn: certArn })))).toMatchObject({
      name: "ResourceInUseException",
    });
    await stack.elb.send(new DeleteListenerCommand({ ListenerArn: listener?.ListenerArn }));
    await acm.send(new DeleteCertificateCommand({ CertificateArn: certArn }));
  });

  it("honour the policy's TLS versions: TLS13-1-3 refuses a TLS 1.2 client", async () => {
    const certArn = await importServerCert("tls13only");
    const stack = await httpStack(emu, { name: "tls13-lb" });
    const { address, port } = await listen(stack, {
      Protocol: "HTTPS",
      Certificates: [{ CertificateArn: certArn }],
      SslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06",
      DefaultActions: OK,
    });
    expect(await handshake(address, port, { ca: read(ca.certPath) })).toMatchObject({ ok: true, protocol: "TLSv1.3" });
    expect(await handshake(address, port, { ca: read(ca.certPath), maxVersion: "TLSv1.2" })).toMatchObject({
      ok: false,
    });
  });

  it("refuse an unknown policy, a certificate ACM cannot serve, and HTTP listeners with TLS settings", async () => {
    const certArn = await importServerCert("errors");
    const { elb } = clients(emu);
    const stack = await httpStack(emu, { name: "https-errors" });
    const base = {
      LoadBalancerArn: stack.lbArn,
      Protocol: "HTTPS" as const,
      Port: await freePort(),
      DefaultActions: [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: "200" } }],
    };
    expect(
      await errorOf(
        elb.send(
          new CreateListenerCommand({
            ...base,
            Certificates: [{ CertificateArn: certArn }],
            SslPolicy: "ELBSecurityPolicy-TLS13-9-9-2099-01",
          }),
        ),
      ),
    ).toEqual({
      name: "SSLPolicyNotFoundException",
      message: "SSL policy 'ELBSecurityPolicy-TLS13-9-9-2099-01' not found",
    });
    for (const arn of [PENDING_ARN, certArn.replace(":us-west-2:", ":us-east-1:")]) {
      expect(
        await errorOf(elb.send(new CreateListenerCommand({ ...base, Certificates: [{ CertificateArn: arn }] }))),
      ).toEqual({ name: "CertificateNotFoundException", message: `Certificate '${arn}' not found` });
    }
    expect(await errorOf(elb.send(new CreateListenerCommand(base)))).toMatchObject({ name: "ValidationError" });
    expect(
      await errorOf(
        elb.send(new CreateListenerCommand({ ...base, Protocol: "HTTP", Certificates: [{ CertificateArn: certArn }] })),
      ),
    ).toMatchObject({ name: "ValidationError" });
    // Without SslPolicy, the API's default.
    const made = await elb.send(new CreateListenerCommand({ ...base, Certificates: [{ CertificateArn: certArn }] }));
    expect(made.Listeners?.[0]?.SslPolicy).toBe("ELBSecurityPolicy-2016-08");
    const described = await elb.send(
      new DescribeListenersCommand({ ListenerArns: [made.Listeners?.[0]?.ListenerArn as string] }),
    );
    expect(described.Listeners?.[0]?.Certificates).toEqual([{ CertificateArn: certArn }]);
  });

  it("redirect HTTP to HTTPS with 301 and the Location RedirectConfig builds; HTTPS to HTTP and loops are refused", async () => {
    const stack = await httpStack(emu, { name: "redirect-lb" });
    const { address, port } = await listen(stack, {
      Protocol: "HTTP",
      DefaultActions: [
        { Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "8443", StatusCode: "HTTP_301" } },
      ],
    });
    const answer = await get(`http://${address}:${port}/healthz?probe=1`, 5_000, { Host: `${HOST}:${port}` });
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe(`https://${HOST}:8443/healthz?probe=1`);
    expect(answer.headers.server).toBe("awselb/2.0");

    const at443 = await listen(stack, {
      Protocol: "HTTP",
      DefaultActions: [
        { Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_302" } },
      ],
    });
    const found = await get(`http://${at443.address}:${at443.port}/`, 5_000, { Host: HOST });
    expect(found.status).toBe(302);
    expect(found.headers.location).toBe(`https://${HOST}/`);

    const certArn = await importServerCert("redirect");
    const refused = [
      {
        Protocol: "HTTPS" as const,
        Certificates: [{ CertificateArn: certArn }],
        RedirectConfig: { Protocol: "HTTP", StatusCode: "HTTP_301" as const },
      },
      { Protocol: "HTTP" as const, RedirectConfig: { StatusCode: "HTTP_301" as const } },
      { Protocol: "HTTP" as const, RedirectConfig: { Protocol: "HTTPS" } },
    ];
    for (const r of refused) {
      expect(
        await errorOf(
          stack.elb.send(
            new CreateListenerCommand({
              LoadBalancerArn: stack.lbArn,
              Protocol: r.Protocol,
              Port: await freePort(),
              ...("Certificates" in r ? { Certificates: r.Certificates } : {}),
              DefaultActions: [{ Type: "redirect", RedirectConfig: r.RedirectConfig as never }],
            }),
          ),
        ),
      ).toMatchObject({ name: "ValidationError" });
    }
  });
});
