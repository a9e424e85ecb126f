import type { ServiceFactory } from "../types";

// Operations are added by the issue that implements this service.
export const createSecretsManager: ServiceFactory = () => ({
  signingName: "secretsmanager",
  protocol: "json",
  xmlns: "",
  iamPrefix: "secretsmanager",
  handlers: {},
  reset() {},
  snapshot: () => ({}),
});
