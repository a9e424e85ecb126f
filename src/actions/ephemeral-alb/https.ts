/**
 * The HTTPS listener's inputs and their checks against the account, before
 * anything is created: the certificate exists in ACM, in the load balancer's
 * region, and is ISSUED (an ALB cannot serve a certificate that is pending
 * validation, expired or revoked: CreateListener would fail CertificateNotFound
 * after the load balancer, target group and security group already exist);
 * the security policy is one ELB knows (else SSLPolicyNotFound, equally late).
 */
import {
  type CertificateDetail,
  DescribeCertificateCommand,
  InvalidArnException,
  ResourceNotFoundException,
  ValidationException,
} from "@aws-sdk/client-acm";
import { DescribeSSLPoliciesCommand, SSLPolicyNotFoundException } from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsException, errorMessage, InputError } from "../../lib/errors";
import { type InputSource, readBoolean, readNumber, readString } from "../../lib/inputs";
import type { AlbClients } from "./clients";

/**
 * The command that lists a region's certificates of every key type an ALB takes: without `--includes`,
 * ListCertificates shows only RSA 1024 and 2048 ("Default filtering returns only RSA_1024 and RSA_2048
 * certificates", Includes.keyTypes), so an ECDSA or RSA 4096 certificate would be missing from the list.
 */
const listCertificates = (region: string) =>
  `aws acm list-certificates --region ${region} --includes keyTypes=RSA_1024,RSA_2048,RSA_3072,RSA_4096,EC_prime256v1,EC_secp384r1,EC_secp521r1`;

export interface HttpsSettings {
  certificateArn: string;
  port: number;
  sslPolicy: string;
  /** The HTTP listener answers 301 to `https://<host>:<port>` instead of forwarding. */
  redirectHttp: boolean;
}

/** What DescribeCertificate said, for the evidence and the outputs. */
export interface CheckedCertificate {
  arn: string;
  domainName: string;
  status: string;
  type?: string;
  subject?: string;
  issuer?: string;
  notAfter?: string;
  keyAlgorithm?: string;
}

/** The TLS 1.3 policy AWS recommends (TLS 1.3 and 1.2, forward secrecy). */
export const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):certificate\/[A-Za-z0-9-]+$/;
const HTTPS_ONLY = ["ssl-policy", "https-port", "redirect-http"] as const;

/** Reads `certificate-arn`, `https-port`, `ssl-policy` and `redirect-http`; undefined without a certificate. */
export function readHttps(get: InputSource, region: string, listenerPort: number): HttpsSettings | undefined {
  const arn = readString(get, "certificate-arn");
  if (arn === "") {
    const given = HTTPS_ONLY.find((n) => get(n).trim() !== "" && !/^false$/i.test(get(n).trim()));
    if (given) {
      throw new InputError(given, "applies to the HTTPS listener, which needs 'certificate-arn'; nothing was created.");
    }
    return undefined;
  }
  if (/^arn:aws[a-z-]*:iam::\d{12}:server-certificate\//.test(arn)) {
    throw new InputError(
      "certificate-arn",
      `'${arn}' is an IAM server certificate; this action checks the certificate in ACM before it creates anything.`,
      "Import it into ACM (aws acm import-certificate) and pass that ARN.",
    );
  }
  const m = ACM_ARN.exec(arn);
  if (!m) {
    throw new InputError(
      "certificate-arn",
      `'${arn}' is not an ACM certificate ARN like arn:aws:acm:${region}:123456789012:certificate/<id>.`,
    );
  }
  if (m[1] !== region) {
    throw new InputError(
      "certificate-arn",
      `${arn} is in ${m[1]}, but the load balancer is created in ${region}: an ALB can only use a certificate of its own region. Nothing was created.`,
      `Use a certificate of ${region} (${listCertificates(region)}), or import or request one there.`,
    );
  }
  const port = readNumber(get, "https-port", { default: 443, min: 1, max: 65535 });
  if (port === listenerPort) {
    throw new InputError("https-port", `is ${port}, the same as 'listener-port' (one listener per port).`);
  }
  const sslPolicy = readString(get, "ssl-policy", { default: DEFAULT_SSL_POLICY });
  if (!/^ELBSecurityPolicy-[A-Za-z0-9-]+$/.test(sslPolicy)) {
    throw new InputError(
      "ssl-policy",
      `'${sslPolicy}' is not an Elastic Load Balancing security policy name like ${DEFAULT_SSL_POLICY}.`,
    );
  }
  return { certificateArn: arn, port, sslPolicy, redirectHttp: readBoolean(get, "redirect-http", false) };
}

const STATUS_FIX: Record<string, string> = {
  PENDING_VALIDATION:
    "Finish its domain validation (aws acm describe-certificate shows the DNS record to create), or use an issued certificate.",
  EXPIRED: "Renew it, or re-import a current certificate (aws acm import-certificate --certificate-arn ...).",
  INACTIVE: "Use an issued certificate.",
};

/** The certificate and the policy, checked before anything is created; throws an InputError naming the input. */
export async function checkHttps(
  https: HttpsSettings,
  region: string,
  clients: AlbClients,
): Promise<CheckedCertificate> {
  const arn = https.certificateArn;
  let detail: CertificateDetail;
  try {
    const out = await clients.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    detail = out.Certificate ?? {};
  } catch (error) {
    if (awsException(error) instanceof ResourceNotFoundException) {
      throw new InputError(
        "certificate-arn",
        `${arn} does not exist in ${region} (acm:DescribeCertificate: ResourceNotFoundException); nothing was created.`,
        `List the region's certificates with: ${listCertificates(region)}`,
      );
    }
    const cause = awsException(error);
    if (cause instanceof ValidationException || cause instanceof InvalidArnException) {
      throw new InputError("certificate-arn", `ACM refuses '${arn}' (${errorMessage(cause)}); nothing was created.`);
    }
    throw error;
  }
  const status = detail.Status ?? "unknown";
  const checked: CheckedCertificate = { arn, domainName: detail.DomainName ?? "", status };
  if (detail.Type) checked.type = detail.Type;
  if (detail.Subject) checked.subject = detail.Subject;
  if (detail.Issuer) checked.issuer = detail.Issuer;
  if (detail.NotAfter) checked.notAfter = detail.NotAfter.toISOString();
  if (detail.KeyAlgorithm) checked.keyAlgorithm = detail.KeyAlgorithm;
  if (status !== "ISSUED") {
    throw new InputError(
      "certificate-arn",
      `the certificate for ${checked.domainName || "?"} (${arn}) is ${status}, not ISSUED: an HTTPS listener can only serve an issued certificate. Nothing was created.`,
      STATUS_FIX[status] ?? "Use an issued certificate.",
    );
  }
  try {
    await clients.elb.send(new DescribeSSLPoliciesCommand({ Names: [https.sslPolicy] }));
  } catch (error) {
    if (!(awsException(error) instanceof SSLPolicyNotFoundException)) throw error;
    throw new InputError(
      "ssl-policy",
      `'${https.sslPolicy}' is not a security policy Elastic Load Balancing knows (SSLPolicyNotFound); nothing was created.`,
      `List them with: aws elbv2 describe-ssl-policies --region ${region} (default: ${DEFAULT_SSL_POLICY}).`,
    );
  }
  return checked;
}

/**
 * The host name a client should ask for: the certificate's domain (a wildcard
 * `*.example.com` becomes `<label>.example.com`). The load balancer's own DNS
 * name is not in the certificate, so a probe connects to it while verifying
 * this name (`resolve: <host>:<port>:<dns-name>`).
 */
export function httpsHost(domainName: string, label: string): string {
  return domainName.startsWith("*.") ? `${label}${domainName.slice(1)}` : domainName;
}

export function httpsUrl(host: string, port: number): string {
  return port === 443 ? `https://${host}` : `https://${host}:${port}`;
}
