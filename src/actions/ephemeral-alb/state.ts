import type { StateStore as SavedState } from "../../lib/run-action";
import { CycleFiles, jobIdentity } from "./cycle-file";
import type { ResourceNames } from "./naming";

/**
 * What one cycle created, saved in the step's state (GITHUB_STATE) after every single
 * create and before the next call, so the post step (after a failure, a
 * cancellation or a SIGKILL) removes exactly what exists. The names are saved
 * before anything is created: a create whose response was lost is found by
 * name.
 */
export interface AlbState {
  version: 1;
  region: string;
  vpcId: string;
  runId: string;
  names: ResourceNames;
  containerPort: number;
  /** Where containerPort came from (the service's task definition, the input, the default). */
  containerPortSource?: string;
  listenerPort: number;
  keep: boolean;
  /**
   * When the cycle started (epoch ms), saved before the first create: its
   * `expires-at` tag is this plus `ttl-minutes`, on every resource and in the
   * record; and the teardown does not trust a NotFound for the new security
   * group until EC2's propagation window after this has passed.
   */
  createdAt?: number;
  /** EC2 refused CreateSecurityGroup outright: there is no group to wait for. */
  securityGroupRefused?: boolean;
  taskSecurityGroupId?: string;
  securityGroupId?: string;
  targetGroupArn?: string;
  loadBalancerArn?: string;
  dnsName?: string;
  listenerArn?: string;
  /** `certificate-arn`: the HTTPS listener's port, and its ARN once created. */
  httpsPort?: number;
  httpsListenerArn?: string;
  /** The temporary rule(s) in the task security group that admit the ALB security group. */
  taskIngressRuleIds?: string[];
}

export const STATE_KEY = "alb-state";

export interface StateStore {
  save(state: AlbState): void;
}

/**
 * Saves for the post step (the seam's state) and, where the runner gives a
 * RUNNER_TEMP, for a later `mode: destroy` step of the job (see cycle-file.ts).
 */
export function runnerStateStore(saved: SavedState, env: NodeJS.ProcessEnv): StateStore {
  const files = env.RUNNER_TEMP ? new CycleFiles(env.RUNNER_TEMP) : undefined;
  const { job, runAttempt } = jobIdentity(env);
  return {
    save(state) {
      saved.save(STATE_KEY, state);
      files?.write({ state, job, runAttempt });
    },
  };
}

/** What the main step saved; undefined when it saved nothing; throws on a state of another version. */
export function loadState(saved: SavedState): AlbState | undefined {
  return saved.load<AlbState>(STATE_KEY, 1);
}
