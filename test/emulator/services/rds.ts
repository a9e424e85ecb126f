import type { ServiceFactory } from "../types";

// Operations are added by the issue that implements this service.
export const createRds: ServiceFactory = () => ({
  signingName: "rds",
  protocol: "query",
  xmlns: "http://rds.amazonaws.com/doc/2014-10-31/",
  iamPrefix: "rds",
  handlers: {},
  reset() {},
  snapshot: () => ({}),
});
