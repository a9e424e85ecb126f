import type { ServiceFactory } from "../types";

// Operations are added by the issue that implements this service.
export const createSsm: ServiceFactory = () => ({
  signingName: "ssm",
  protocol: "json",
  xmlns: "",
  iamPrefix: "ssm",
  handlers: {},
  reset() {},
  snapshot: () => ({}),
});
