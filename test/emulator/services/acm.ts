/**
 * AWS Certificate Manager (JSON 1.1, `CertificateManager.*`), as much as an
 * HTTPS listener needs: ImportCertificate, DescribeCertificate,
 * ListCertificates and DeleteCertificate. Imported material is really parsed
 * (node:crypto X509Certificate) and checked as the ACM User Guide's
 * "Prerequisites for importing ACM certificates" lists
 * (https://docs.aws.amazon.com/acm/latest/userguide/import-certificate-prerequisites.html):
 * one PEM X.509 v3 certificate, valid at the time of import, with an
 * unencrypted private key of at most 5,120 bytes that matches it, and a PEM
 * chain whose first certificate signed it. The ELBv2 emulator serves the
 * certificate and key of a listener's `Certificates` for real (`material`).
 *
 * Certificates that ACM itself issues (`RequestCertificate`, DNS validation)
 * are not emulated; a scenario may seed one with its status
 * (`PENDING_VALIDATION`, `EXPIRED`, ...) to test a caller's checks.
 */
import { createPrivateKey, randomUUID, X509Certificate } from "node:crypto";
import { AwsError, jsonAccessDenied } from "../errors";
import type { Emulator } from "../server";
import { type Handler, type Operation, operations, type Params, type Scenario, type ServiceModule } from "../types";
import { page } from "./paging";

export interface AcmScenario {
  /**
   * Either certificates ACM issued (type AMAZON_ISSUED) in a fixed `status`, with no material (for status
   * checks only), or imported ones from PEM material (`certificate`, `privateKey`, optional `chain`), checked
   * as ImportCertificate checks them. Seeded certificates are never leftovers.
   */
  certificates?: (
    | { id?: string; region?: string; domainName: string; status: string }
    | { id?: string; region?: string; certificate: string; privateKey: string; chain?: string }
  )[];
}

interface Certificate {
  id: string;
  region: string;
  type: "IMPORTED" | "AMAZON_ISSUED";
  domainName: string;
  sans: string[];
  /** Seeded (AMAZON_ISSUED) certificates have a fixed status; imported ones follow their validity. */
  seededStatus?: string;
  certificatePem?: string;
  chainPem?: string;
  keyPem?: string;
  x509?: X509Certificate;
  importedAt?: Date;
  createdAt: Date;
  tags: Map<string, string>;
  seeded: boolean;
}

const STATUSES = [
  "PENDING_VALIDATION",
  "ISSUED",
  "INACTIVE",
  "EXPIRED",
  "VALIDATION_TIMED_OUT",
  "REVOKED",
  "FAILED",
] as const;

// ACM's own ARN pattern and length (API_DescribeCertificate.html, CertificateArn).
const ARN_PATTERN = "arn:[\\w+=/,.@-]+:acm:[\\w+=/,.@-]*:[0-9]+:[\\w+=,.@-]+(/[\\w+=,.@-]+)*";
const ARN = new RegExp(`^${ARN_PATTERN}$`);
const CERT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const MAX_KEY_BYTES = 5120;

const validationError = (message: string) => new AwsError("ValidationException", message);

/** JSON 1.1 blobs arrive base64-encoded. */
function blob(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") {
    throw validationError(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return Buffer.from(value, "base64").toString("utf8");
}

/**
 * The key algorithms ACM takes ("Prerequisites for importing ACM certificates": RSA 1024 to 4096, ECDSA P-256,
 * P-384, P-521), by their KeyAlgorithm names.
 */
const KEY_ALGORITHMS = [
  "RSA_1024",
  "RSA_2048",
  "RSA_3072",
  "RSA_4096",
  "EC_prime256v1",
  "EC_secp384r1",
  "EC_secp521r1",
] as const;
/** ListCertificates without Includes.keyTypes: "Default filtering returns only RSA_1024 and RSA_2048 certificates". */
const DEFAULT_LISTED_KEY_TYPES = ["RSA_1024", "RSA_2048"];

function keyAlgorithm(x509: X509Certificate): string {
  const key = x509.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa") return `RSA_${details.modulusLength ?? 0}`;
  if (key.asymmetricKeyType === "ec") return `EC_${details.namedCurve ?? "unknown"}`;
  return String(key.asymmetricKeyType ?? "unknown").toUpperCase();
}

/** `CN=a\nO=b` (Node) -> `CN=a,O=b` (ACM). */
const distinguishedName = (dn: string) => dn.split("\n").filter(Boolean).join(",");

function dnsNames(x509: X509Certificate): string[] {
  return (x509.subjectAltName ?? "")
    .split(/,\s*/)
    .flatMap((entry) => (entry.startsWith("DNS:") ? [entry.slice(4)] : []));
}

/** ACM's module: the service, and what ELBv2 reads of it. */
export interface AcmService extends ServiceModule {
  /**
   * What ELBv2 needs to terminate TLS with a certificate: its PEM certificate
   * (with the chain after it), its key, and whether it may be served. A
   * certificate of another region, one that is not ISSUED or has no material
   * answers undefined (CreateListener then fails CertificateNotFound).
   */
  material(arn: string, region: string): { cert: string; key: string } | undefined;
}

export function createAcm(emulator: Emulator): AcmService {
  const certificates = new Map<string, Certificate>(); // by ARN
  const certificate = (p: Params) => [String(p.CertificateArn ?? "*")];
  const handlers = {
    ImportCertificate: (p, ctx) => importCertificate(p, ctx.region),
    DescribeCertificate: (p, ctx) => ({ Certificate: detail(find(p.CertificateArn, ctx.region)) }),
    ListCertificates: (p, ctx) => list(p, ctx.region),
    DeleteCertificate: (p, ctx) => {
      const cert = find(p.CertificateArn, ctx.region);
      const users = inUseBy(arnOf(cert));
      if (users.length > 0) {
        throw new AwsError("ResourceInUseException", `Certificate ${arnOf(cert)} in use by ${users.join(", ")}`);
      }
      certificates.delete(arnOf(cert));
      return {};
    },
  } satisfies Record<string, Handler>;
  const iam: Record<keyof typeof handlers, Omit<Operation, "handler">> = {
    ImportCertificate: {
      // A new certificate: the certificate resource type with a wildcard; a re-import: that certificate.
      resources: (p, ctx) =>
        p.CertificateArn === undefined
          ? [`arn:aws:acm:${ctx.region}:${emulator.account}:certificate/*`]
          : certificate(p),
    },
    DescribeCertificate: { resources: certificate },
    ListCertificates: {},
    DeleteCertificate: { resources: certificate },
  };

  function arnOf(c: { region: string; id: string }): string {
    return `arn:aws:acm:${c.region}:${emulator.account}:certificate/${c.id}`;
  }

  /** The load balancers whose listeners serve the certificate (ELBv2 keeps the listeners). */
  function inUseBy(arn: string): string[] {
    const elb = emulator.service<ServiceModule & { certificateUsers?(arn: string): string[] }>("elasticloadbalancing");
    return elb.certificateUsers?.(arn) ?? [];
  }

  /**
   * A certificate ARN as DescribeCertificate reads it: a malformed one is a
   * ValidationException (ACM's pattern), one naming no certificate of this
   * account and region is ResourceNotFoundException.
   */
  function find(raw: unknown, region: string): Certificate {
    const arn = String(raw ?? "");
    if (arn.length < 20 || arn.length > 2048 || !ARN.test(arn)) {
      throw validationError(
        `1 validation error detected: Value '${arn}' at 'certificateArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ARN_PATTERN}`,
      );
    }
    const parts = arn.split(":");
    const resource = parts.slice(5).join(":");
    if (!/^certificate\//.test(resource)) throw new AwsError("InvalidArnException", `${arn} is not a certificate ARN.`);
    const cert = certificates.get(arn);
    // Certificates are regional: an ARN of another region (or account) names nothing here.
    if (!cert || cert.region !== region)
      throw new AwsError("ResourceNotFoundException", `Could not find certificate ${arn}.`);
    return cert;
  }

  function status(c: Certificate, now = new Date()): string {
    if (c.seededStatus) return c.seededStatus;
    const x509 = c.x509 as X509Certificate;
    return now > new Date(x509.validTo) ? "EXPIRED" : "ISSUED";
  }

  function detail(c: Certificate) {
    const x = c.x509;
    const base = {
      CertificateArn: arnOf(c),
      DomainName: c.domainName,
      SubjectAlternativeNames: c.sans,
      Status: status(c),
      Type: c.type,
      InUseBy: inUseBy(arnOf(c)),
      CreatedAt: c.createdAt,
      RenewalEligibility: "INELIGIBLE",
    };
    if (!x) return base;
    return {
      ...base,
      Serial: x.serialNumber.toLowerCase().match(/../g)?.join(":"),
      Subject: distinguishedName(x.subject),
      Issuer: distinguishedName(x.issuer),
      ImportedAt: c.importedAt,
      NotBefore: new Date(x.validFrom),
      NotAfter: new Date(x.validTo),
      KeyAlgorithm: keyAlgorithm(x),
      SignatureAlgorithm: `SHA256WITH${x.publicKey.asymmetricKeyType === "ec" ? "ECDSA" : "RSA"}`,
    };
  }

  function importCertificate(p: Params, region: string) {
    const reimport = p.CertificateArn === undefined ? undefined : find(p.CertificateArn, region);
    if (reimport && p.Tags !== undefined) {
      throw validationError("Tags cannot be specified when reimporting a certificate.");
    }
    const cert = imported(
      {
        certificatePem: blob(p.Certificate, "certificate"),
        keyPem: blob(p.PrivateKey, "privateKey"),
        chainPem: p.CertificateChain === undefined ? undefined : blob(p.CertificateChain, "certificateChain"),
      },
      { id: reimport?.id ?? randomUUID(), region, seeded: false },
    );
    if (reimport) {
      cert.createdAt = reimport.createdAt;
      cert.tags = reimport.tags;
    } else {
      for (const t of (p.Tags ?? []) as Params[]) cert.tags.set(String(t.Key), String(t.Value ?? ""));
    }
    certificates.set(arnOf(cert), cert);
    return { CertificateArn: arnOf(cert) };
  }

  /** An imported certificate from its PEM material, checked as the import prerequisites say. */
  function imported(
    material: { certificatePem: string; keyPem: string; chainPem: string | undefined },
    where: { id: string; region: string; seeded: boolean },
  ): Certificate {
    const { certificatePem, keyPem, chainPem } = material;
    const blocks = certificatePem.match(PEM_CERT) ?? [];
    if (blocks.length === 0)
      throw validationError("The certificate field does not contain a valid PEM-encoded certificate.");
    if (blocks.length > 1) {
      throw validationError(
        "The certificate field contains more than one certificate. You can specify only one certificate in this field.",
      );
    }
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(blocks[0] as string);
    } catch {
      throw validationError("Could not parse the certificate. It must be a PEM-encoded X.509 certificate.");
    }
    const now = new Date();
    if (now < new Date(x509.validFrom) || now > new Date(x509.validTo)) {
      throw validationError(
        `The certificate is not valid at the time of import (NotBefore ${x509.validFrom}, NotAfter ${x509.validTo}).`,
      );
    }
    if (Buffer.byteLength(keyPem) > MAX_KEY_BYTES) {
      throw validationError(`The private key is larger than ${MAX_KEY_BYTES} bytes.`);
    }
    let key: ReturnType<typeof createPrivateKey>;
    try {
      key = createPrivateKey(keyPem);
    } catch {
      throw validationError("The private key is not supported: it must be PEM-encoded and unencrypted.");
    }
    if (!x509.checkPrivateKey(key)) throw validationError("The private key does not match the certificate.");
    const algorithm = keyAlgorithm(x509);
    if (!(KEY_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw validationError(
        `The certificate's key algorithm (${algorithm}) is not supported: ACM imports RSA 1024 to 4096 and ECDSA P-256, P-384 and P-521 keys.`,
      );
    }
    if (chainPem !== undefined) {
      const chain = (chainPem.match(PEM_CERT) ?? []).map((pem) => {
        try {
          return new X509Certificate(pem);
        } catch {
          throw validationError("The certificate chain does not contain valid PEM-encoded certificates.");
        }
      });
      const issuer = chain[0];
      if (!issuer || !x509.verify(issuer.publicKey)) {
        throw validationError("Could not validate the certificate with the certificate chain.");
      }
    }
    const sans = dnsNames(x509);
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1];
    const cert: Certificate = {
      ...where,
      type: "IMPORTED",
      domainName: cn ?? sans[0] ?? "",
      sans: sans.length > 0 ? sans : cn ? [cn] : [],
      certificatePem: blocks[0] as string,
      keyPem,
      x509,
      importedAt: now,
      createdAt: now,
      tags: new Map(),
    };
    if (chainPem !== undefined) cert.chainPem = chainPem;
    return cert;
  }

  function list(p: Params, region: string) {
    const statuses = (p.CertificateStatuses ?? []) as string[];
    for (const s of statuses) {
      if (!(STATUSES as readonly string[]).includes(s)) {
        throw validationError(
          `1 validation error detected: Value '[${s}]' at 'certificateStatuses' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${STATUSES.join(", ")}]]`,
        );
      }
    }
    const max = p.MaxItems === undefined ? 1000 : Number(p.MaxItems);
    if (!Number.isInteger(max) || max < 1 || max > 1000) {
      throw validationError(
        `1 validation error detected: Value '${p.MaxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
      );
    }
    const includes = (p.Includes ?? {}) as Params;
    const keyTypes = includes.keyTypes === undefined ? DEFAULT_LISTED_KEY_TYPES : (includes.keyTypes as string[]);
    for (const k of keyTypes) {
      if (!(KEY_ALGORITHMS as readonly string[]).includes(k)) {
        throw validationError(
          `1 validation error detected: Value '[${k}]' at 'includes.keyTypes' failed to satisfy constraint: Member must satisfy enum value set: [${KEY_ALGORITHMS.join(", ")}]`,
        );
      }
    }
    const all = [...certificates.values()]
      .filter((c) => c.region === region && (statuses.length === 0 || statuses.includes(status(c))))
      .filter((c) => keyTypes.includes(String((detail(c) as Params).KeyAlgorithm ?? "RSA_2048")))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
    const result = page(all, {
      token: p.NextToken,
      max,
      tag: `certificates:${region}:${statuses.join(",")}:${keyTypes.join(",")}`,
      badToken: () => new AwsError("InvalidArgsException", "The NextToken is not valid."),
    });
    return {
      CertificateSummaryList: result.items.map((c) => {
        const d = detail(c);
        return {
          CertificateArn: d.CertificateArn,
          DomainName: d.DomainName,
          SubjectAlternativeNameSummaries: d.SubjectAlternativeNames,
          Status: d.Status,
          Type: d.Type,
          InUse: d.InUseBy.length > 0,
          CreatedAt: d.CreatedAt,
          ...("KeyAlgorithm" in d
            ? { KeyAlgorithm: d.KeyAlgorithm, NotAfter: d.NotAfter, ImportedAt: d.ImportedAt }
            : {}),
        };
      }),
      ...(result.nextToken ? { NextToken: result.nextToken } : {}),
    };
  }

  /**
   * What ELBv2 needs to terminate TLS with a certificate: its PEM certificate
   * (with the chain after it), its key, and whether it may be served. A
   * certificate of another region, one that is not ISSUED or has no material
   * answers undefined (CreateListener then fails CertificateNotFound).
   */
  function material(arn: string, region: string): { cert: string; key: string } | undefined {
    const c = certificates.get(arn);
    if (!c || c.region !== region || !c.certificatePem || !c.keyPem || status(c) !== "ISSUED") return undefined;
    return { cert: c.chainPem ? `${c.certificatePem}\n${c.chainPem}` : c.certificatePem, key: c.keyPem };
  }

  function reset(): void {
    certificates.clear();
  }

  function snapshot(): unknown {
    return [...certificates.values()].map((c) => ({
      arn: arnOf(c),
      domainName: c.domainName,
      status: status(c),
      type: c.type,
    }));
  }

  function created(): unknown[] {
    return [...certificates.values()]
      .filter((c) => !c.seeded)
      .map((c) => ({ type: "certificate", arn: arnOf(c), domainName: c.domainName }));
  }

  function loadScenario(scenario: Scenario): void {
    const section = scenario.acm as AcmScenario | undefined;
    for (const c of section?.certificates ?? []) {
      const id = c.id ?? randomUUID();
      if (!CERT_ID.test(id)) throw new Error(`acm scenario: certificate id '${id}' is not a UUID`);
      const region = c.region ?? emulator.region;
      if ("certificate" in c) {
        const cert = imported(
          { certificatePem: c.certificate, keyPem: c.privateKey, chainPem: c.chain },
          { id, region, seeded: true },
        );
        certificates.set(arnOf(cert), cert);
        continue;
      }
      if (!(STATUSES as readonly string[]).includes(c.status)) {
        throw new Error(`acm scenario: status '${c.status}' is not one of ${STATUSES.join(", ")}`);
      }
      const cert: Certificate = {
        id,
        region,
        type: "AMAZON_ISSUED",
        domainName: c.domainName,
        sans: [c.domainName],
        seededStatus: c.status,
        createdAt: new Date(),
        tags: new Map(),
        seeded: true,
      };
      certificates.set(arnOf(cert), cert);
    }
  }

  return {
    signingName: "acm",
    protocol: "json",
    iamPrefix: "acm",
    accessDenied: jsonAccessDenied,
    operations: operations(handlers, iam),
    material,
    reset,
    snapshot,
    created,
    loadScenario,
  };
}

/** The emulator's ACM, for other services (ELBv2's HTTPS listeners). */
export const acmOf = (emulator: Emulator): AcmService => emulator.service<AcmService>("acm");
