import type { ServiceFactory } from "../types";

// Operations are added by the issue that implements this service.
export const createEcs: ServiceFactory = () => ({
  signingName: "ecs",
  protocol: "json",
  xmlns: "",
  iamPrefix: "ecs",
  handlers: {},
  reset() {},
  snapshot: () => ({}),
});
