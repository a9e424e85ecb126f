import { queryAccessDenied } from "../errors";
import { operations, type ServiceFactory } from "../types";

/** STS: who is calling. The principal comes from the scenario's access-key map. */
export const createSts: ServiceFactory = () => ({
  signingName: "sts",
  protocol: "query",
  xmlns: "https://sts.amazonaws.com/doc/2011-06-15/",
  iamPrefix: "sts",
  accessDenied: queryAccessDenied,
  operations: operations(
    {
      GetCallerIdentity: (_params, ctx) => {
        // A role's caller identity is its assumed-role session, as with OIDC in GitHub Actions.
        const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(ctx.principalArn);
        const arn = role ? `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/GitHubActions` : ctx.principalArn;
        const account = /^arn:aws:[a-z]+::(\d{12}):/.exec(arn)?.[1] ?? ctx.account;
        return { UserId: `${ctx.accessKeyId}${role ? ":GitHubActions" : ""}`, Account: account, Arn: arn };
      },
    },
    {
      GetCallerIdentity: {
        // GetCallerIdentity needs no permission in real IAM.
        resources: () => [],
      },
    },
  ),
  reset() {},
  snapshot: () => ({}),
});
