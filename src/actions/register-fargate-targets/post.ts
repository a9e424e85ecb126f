import { runPost } from "../../lib/run-action";
import { postDeps } from "./deps";
import { deregisterFromState } from "./deregister";

await runPost("register-fargate-targets", (seam) => deregisterFromState(postDeps(seam)));
