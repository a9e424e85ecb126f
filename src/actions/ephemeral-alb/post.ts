import { runPost } from "../../lib/run-action";
import { postDeps } from "./deps";
import { destroyFromState } from "./destroy";

await runPost("ephemeral-alb", (seam) => destroyFromState(postDeps(seam)));
