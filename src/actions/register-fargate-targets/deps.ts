import type { ActionDeps } from "../../lib/run-action";
import { registerClients } from "./clients";
import type { PostDeps } from "./deregister";
import type { Inputs } from "./inputs";
import type { Deps } from "./run";

/** The real runner and AWS for `run`. */
export function actionDeps(inputs: Inputs, seam: ActionDeps): Deps {
  return { ...seam, clients: registerClients(inputs.region) };
}

/** The post step's: ELB in the region the main step registered in. */
export function postDeps(seam: ActionDeps): PostDeps {
  return { ...seam, elb: (region) => registerClients(region).elb };
}
