import type { ServiceFactory } from "../types";

// Operations are added by the issue that implements this service.
export const createEc2: ServiceFactory = () => ({
  signingName: "ec2",
  protocol: "ec2",
  xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/",
  iamPrefix: "ec2",
  handlers: {},
  reset() {},
  snapshot: () => ({}),
});
