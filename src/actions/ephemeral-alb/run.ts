import { errorMessage } from "../../lib/errors";
import { EvidenceWriter } from "../../lib/evidence";
import { KEPT_TARGET_GROUPS_ENV, keptTargetGroups } from "../../lib/kept";
import type { ActionDeps, ActionResult } from "../../lib/run-action";
import { runnerEgressCidr } from "./checkip";
import type { AlbClients } from "./clients";
import { type Created, createCycle, suiteTags } from "./create";
import { destroyCycles } from "./destroy-mode";
import { type CheckedCertificate, checkHttps, type HttpsSettings, httpsHost, httpsUrl } from "./https";
import type { CreateInputs, Inputs } from "./inputs";
import { resourceNames } from "./naming";
import { resolveContainerPort } from "./port";
import { createdSummary } from "./report";
import type { AlbState, StateStore } from "./state";
import { sweep } from "./sweep";
import { TAG_EXPIRES_AT } from "./tags";
import { validateNetwork } from "./validate";

export interface Deps extends ActionDeps {
  clients: AlbClients;
  /** Saves the cycle after every create (the seam's state for the post step, and RUNNER_TEMP for `mode: destroy`). */
  store: StateStore;
  egressCidr?: (url: string) => Promise<string>;
}

export function albUrl(dnsName: string, port: number): string {
  return port === 80 ? `http://${dnsName}` : `http://${dnsName}:${port}`;
}

/**
 * Where a client reaches the HTTPS listener: a URL with the certificate's
 * host name, and the curl-style `resolve` entry that sends that name to the
 * load balancer (whose own DNS name the certificate does not cover).
 */
function httpsEndpoint(https: HttpsSettings, certificate: CheckedCertificate, label: string, dnsName: string) {
  const host = httpsHost(certificate.domainName, label);
  return { url: httpsUrl(host, https.port), resolve: `${host}:${https.port}:${dnsName}` };
}

export async function run(inputs: Inputs, deps: Deps): Promise<ActionResult> {
  if (inputs.mode === "sweep") return sweep(inputs, deps);
  if (inputs.mode === "destroy") return destroyCycles(inputs, deps);
  return create(inputs, deps);
}

async function create(given: CreateInputs, deps: Deps): Promise<ActionResult> {
  const { clock, log } = deps;
  const port = await resolveContainerPort(given, deps.clients, log);
  const inputs: CreateInputs = { ...given, containerPort: port.port };
  // Resolved before anything is created: a failure here leaves nothing to clean.
  const cidrs =
    inputs.ingressCidrs === "auto"
      ? [await (deps.egressCidr ?? runnerEgressCidr)(inputs.checkipUrl)]
      : inputs.ingressCidrs;
  await validateNetwork(inputs, deps.clients);
  const certificate = inputs.https ? await checkHttps(inputs.https, inputs.region, deps.clients) : undefined;
  const names = resourceNames(inputs.namePrefix, inputs.identity);
  const state: AlbState = {
    version: 1,
    region: inputs.region,
    vpcId: inputs.vpcId,
    runId: inputs.identity.runId,
    names,
    containerPort: inputs.containerPort,
    containerPortSource: port.source,
    listenerPort: inputs.listenerPort,
    keep: inputs.keep,
    createdAt: clock.now(),
  };
  if (inputs.taskSecurityGroupId) state.taskSecurityGroupId = inputs.taskSecurityGroupId;
  if (inputs.https) state.httpsPort = inputs.https.port;
  deps.store.save(state);
  log.info(`Creating ${names.loadBalancer}, ${names.targetGroup} and ${names.securityGroup} in ${inputs.vpcId}.`);

  let created: Created | undefined;
  let failure: string | undefined;
  try {
    created = await createCycle(inputs, cidrs, state, deps.clients, deps.store);
  } catch (error) {
    failure = `${errorMessage(error)} The post step removes what was created.`;
  }

  const evidence = new EvidenceWriter(inputs.evidenceDir);
  const url = created?.loadBalancer.DNSName ? albUrl(created.loadBalancer.DNSName, inputs.listenerPort) : undefined;
  const tls =
    inputs.https && certificate && created?.loadBalancer.DNSName
      ? httpsEndpoint(inputs.https, certificate, names.base, created.loadBalancer.DNSName)
      : undefined;
  const record = {
    status: failure ? "failed" : "created",
    failure,
    region: inputs.region,
    vpcId: inputs.vpcId,
    subnetIds: inputs.subnetIds,
    names,
    url,
    loadBalancer: created
      ? {
          arn: created.loadBalancer.LoadBalancerArn,
          dnsName: created.loadBalancer.DNSName,
          scheme: created.loadBalancer.Scheme,
          state: created.loadBalancer.State?.Code,
          availabilityZones: created.loadBalancer.AvailabilityZones?.map((z) => ({
            zone: z.ZoneName,
            subnet: z.SubnetId,
          })),
          securityGroups: created.loadBalancer.SecurityGroups,
        }
      : { arn: state.loadBalancerArn },
    listener: {
      arn: state.listenerArn,
      port: inputs.listenerPort,
      protocol: "HTTP",
      ...(inputs.https?.redirectHttp ? { redirect: `HTTP_301 to HTTPS:${inputs.https.port}` } : {}),
    },
    httpsListener: inputs.https
      ? {
          arn: state.httpsListenerArn,
          port: inputs.https.port,
          protocol: "HTTPS",
          sslPolicy: inputs.https.sslPolicy,
          certificate,
          url: tls?.url,
          resolve: tls?.resolve,
        }
      : undefined,
    targetGroup: {
      arn: state.targetGroupArn,
      port: inputs.containerPort,
      portSource: port.source,
      protocol: "HTTP",
      targetType: "ip",
      healthCheck: inputs.healthCheck,
    },
    securityGroup: {
      id: state.securityGroupId,
      ingress: { port: inputs.listenerPort, ...(inputs.https ? { httpsPort: inputs.https.port } : {}), cidrs },
    },
    taskIngress: inputs.taskSecurityGroupId
      ? { groupId: inputs.taskSecurityGroupId, port: inputs.containerPort, ruleIds: state.taskIngressRuleIds ?? [] }
      : undefined,
    tags: suiteTags(inputs, names.base, state.createdAt ?? clock.now()),
    keep: inputs.keep,
  };
  evidence.writeJson("alb_resources", record);
  if (created)
    evidence.writeJson("listeners", [created.listener, ...(created.httpsListener ? [created.httpsListener] : [])]);

  if (inputs.keep) {
    log.warning(
      `keep: true — ${names.base} will NOT be destroyed by the post step. It keeps costing money until you delete it or a sweep (mode: sweep) removes it after its expiry tag: ${record.tags.find((t) => t.Key === TAG_EXPIRES_AT)?.Value} (ttl-minutes ${inputs.ttlMinutes}).`,
    );
  }
  if (inputs.keep && state.targetGroupArn) {
    // register-fargate-targets' post step reads this and leaves the targets registered (src/lib/kept.ts).
    deps.outputs.exportVariable(KEPT_TARGET_GROUPS_ENV, [...keptTargetGroups(), state.targetGroupArn].join(","));
  }
  await deps.summary.write(createdSummary(state, url, failure));

  const outputs = {
    "dns-name": created?.loadBalancer.DNSName ?? "",
    url: url ?? "",
    "load-balancer-arn": state.loadBalancerArn ?? "",
    "target-group-arn": state.targetGroupArn ?? "",
    "listener-arn": state.listenerArn ?? "",
    "https-listener-arn": state.httpsListenerArn ?? "",
    "https-url": tls?.url ?? "",
    "https-resolve": tls?.resolve ?? "",
    "security-group-id": state.securityGroupId ?? "",
    resources: record,
    keep: inputs.keep,
  };
  return failure ? { outputs, failure } : { outputs };
}
