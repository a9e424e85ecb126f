// Every test file: no real AWS credentials or profiles are picked up, and the
// in-process SDK clients (unit tests) never leave loopback.
import "./harness/loopback-guard.mjs";

process.env.AWS_ACCESS_KEY_ID ??= "AKIAEMULATOR00000001";
process.env.AWS_SECRET_ACCESS_KEY ??= "emulator-secret-key";
process.env.AWS_REGION ??= "us-west-2";
process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
delete process.env.AWS_PROFILE;
