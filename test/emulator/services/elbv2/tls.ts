/**
 * The security policies an Application Load Balancer's HTTPS listener takes
 * (Elastic Load Balancing User Guide, "Security policies for your Application
 * Load Balancer": https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html),
 * as the TLS versions and TLS 1.2 ciphers a node:tls server is given. A name
 * not listed there is SSLPolicyNotFound, as in AWS; custom policies do not
 * exist for ALBs.
 */
import type { SecureVersion } from "node:tls";

export interface TlsPolicy {
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  /** OpenSSL names of the TLS 1.2 and older ciphers (TLS 1.3 suites are the three standard ones). */
  ciphers?: string;
}

/** The API's default when CreateListener names no SslPolicy (API_CreateListener.html). */
export const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08";

const GCM_ECDHE = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
];
const CBC_SHA2_ECDHE = [
  "ECDHE-ECDSA-AES128-SHA256",
  "ECDHE-RSA-AES128-SHA256",
  "ECDHE-ECDSA-AES256-SHA384",
  "ECDHE-RSA-AES256-SHA384",
];
const SHA1_ECDHE = ["ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA"];
const RSA_KX = ["AES128-GCM-SHA256", "AES128-SHA256", "AES128-SHA", "AES256-GCM-SHA384", "AES256-SHA256", "AES256-SHA"];

const TLS12 = [...GCM_ECDHE, ...CBC_SHA2_ECDHE].join(":");
const RESTRICTED = GCM_ECDHE.join(":");
const EXTENDED = [...GCM_ECDHE, ...CBC_SHA2_ECDHE, ...SHA1_ECDHE, ...RSA_KX].join(":");

const v = (min: "1" | "1.1" | "1.2" | "1.3", max: "1.2" | "1.3", ciphers?: string): TlsPolicy => ({
  minVersion: `TLSv${min}` as SecureVersion,
  maxVersion: `TLSv${max}` as SecureVersion,
  ...(ciphers ? { ciphers } : {}),
});

export const SSL_POLICIES: Record<string, TlsPolicy> = {
  // TLS 1.3 policies (2021-06), FIPS variants (2023-04), post-quantum variants (2025-09).
  ...Object.fromEntries(
    ["", "-FIPS", "-PQ", "-FIPS-PQ"].flatMap((kind) => {
      const date = kind === "-FIPS" ? "2023-04" : kind.endsWith("PQ") ? "2025-09" : "2021-06";
      const fips = kind.startsWith("-FIPS");
      const name = (rest: string) => `ELBSecurityPolicy-TLS13-${rest}${kind}-${date}`;
      return [
        [name("1-3"), v("1.3", "1.3")],
        [name("1-2"), v("1.2", "1.3", TLS12)],
        [name("1-2-Res"), v("1.2", "1.3", RESTRICTED)],
        ...(fips ? [[name("1-2-Ext0"), v("1.2", "1.3", EXTENDED)]] : []),
        [name("1-2-Ext1"), v("1.2", "1.3", [TLS12, ...SHA1_ECDHE].join(":"))],
        [name("1-2-Ext2"), v("1.2", "1.3", EXTENDED)],
        ...(kind.endsWith("PQ")
          ? []
          : [
              [name("1-1"), v("1.1", "1.3", EXTENDED)],
              [name("1-0"), v("1", "1.3", EXTENDED)],
            ]),
      ];
    }),
  ),
  "ELBSecurityPolicy-TLS-1-2-Ext-2018-06": v("1.2", "1.2", EXTENDED),
  "ELBSecurityPolicy-TLS-1-2-2017-01": v("1.2", "1.2", [...GCM_ECDHE, ...CBC_SHA2_ECDHE, ...RSA_KX].join(":")),
  "ELBSecurityPolicy-TLS-1-1-2017-01": v("1.1", "1.2", EXTENDED),
  "ELBSecurityPolicy-FS-1-2-Res-2020-10": v("1.2", "1.2", RESTRICTED),
  "ELBSecurityPolicy-FS-1-2-Res-2019-08": v("1.2", "1.2", TLS12),
  "ELBSecurityPolicy-FS-1-2-2019-08": v("1.2", "1.2", [TLS12, ...SHA1_ECDHE].join(":")),
  "ELBSecurityPolicy-FS-1-1-2019-08": v("1.1", "1.2", [TLS12, ...SHA1_ECDHE].join(":")),
  "ELBSecurityPolicy-FS-2018-06": v("1", "1.2", [TLS12, ...SHA1_ECDHE].join(":")),
  "ELBSecurityPolicy-2016-08": v("1", "1.2", EXTENDED),
  "ELBSecurityPolicy-2015-05": v("1", "1.2", EXTENDED),
};

const VERSIONS: SecureVersion[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
const TLS13_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

/** A policy as DescribeSSLPolicies shows it (`SslProtocols` as AWS spells them, ciphers by priority). */
export function sslPolicyOut(name: string, p: TlsPolicy) {
  const versions = VERSIONS.slice(VERSIONS.indexOf(p.minVersion), VERSIONS.indexOf(p.maxVersion) + 1);
  const ciphers = [...(p.maxVersion === "TLSv1.3" ? TLS13_SUITES : []), ...(p.ciphers?.split(":") ?? [])];
  return {
    Name: name,
    SslProtocols: versions,
    Ciphers: ciphers.map((c, i) => ({ Name: c, Priority: i + 1 })),
    SupportedLoadBalancerTypes: ["application", "network"],
  };
}
