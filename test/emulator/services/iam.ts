import type { ServiceFactory } from "../types";

// Operations are added by the issue that implements this service.
export const createIam: ServiceFactory = () => ({
  signingName: "iam",
  protocol: "query",
  xmlns: "https://iam.amazonaws.com/doc/2010-05-08/",
  iamPrefix: "iam",
  handlers: {},
  reset() {},
  snapshot: () => ({}),
});
