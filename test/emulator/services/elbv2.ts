import type { ServiceFactory } from "../types";

// Operations are added by the issue that implements this service.
export const createElbv2: ServiceFactory = () => ({
  signingName: "elasticloadbalancing",
  protocol: "query",
  xmlns: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
  iamPrefix: "elasticloadbalancing",
  handlers: {},
  reset() {},
  snapshot: () => ({}),
});
