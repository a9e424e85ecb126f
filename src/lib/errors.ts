import { ServiceException } from "@smithy/core/client";

/**
 * A mistake the user can fix (bad input, missing resource they named, a
 * permission their role lacks). Reported as a plain message: no stack trace.
 * Every other error is a bug in this suite and is reported with its stack in
 * the debug log.
 */
export class ConfigurationError extends Error {
  override name = "ConfigurationError";
  /** Where in a workspace file the mistake is: the failure is annotated there (`file=`, `line=`, `col=`). */
  at?: { file: string; line?: number; column?: number };
}

/** A bad action input: names the input, says what was wrong and what to do. */
export class InputError extends ConfigurationError {
  override name = "InputError";
  constructor(
    readonly input: string,
    problem: string,
    fix?: string,
  ) {
    super(`Input '${input}': ${problem}${fix ? ` ${fix}` : ""}`);
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * What an AWS SDK error says, read one way: the exception's code (the SDK
 * puts it on `name`; EC2's unmodelled codes like `InvalidGroup.NotFound`
 * too), its HTTP status and fault, and the SDK exception itself, so callers
 * can test it with `instanceof` against the client's exception classes
 * (`ResourceNotFoundException`, ...). An operation error (below) answers for
 * the SDK error it wraps. Anything that is not an AWS service error (a socket
 * error, a missing credential chain) gives undefined.
 */
export function awsException(error: unknown): ServiceException | undefined {
  if (error instanceof AwsOperationError || error instanceof AwsUserError) return awsException(error.cause);
  return ServiceException.isInstance(error) ? error : undefined;
}

/** The AWS error code, or undefined for errors that did not come from an AWS service. */
export function awsErrorCode(error: unknown): string | undefined {
  const exception = awsException(error);
  // Query-protocol services (ELB, EC2, IAM, RDS, STS) keep the wire code in `Code`
  // (`LoadBalancerNotFound`) and name the modelled class (`LoadBalancerNotFoundException`).
  const wire = (exception as { Code?: unknown } | undefined)?.Code;
  return typeof wire === "string" ? wire : exception?.name;
}

/** The HTTP status of an AWS service error (0 when there was no answer). */
export function awsErrorStatus(error: unknown): number {
  return awsException(error)?.$metadata?.httpStatusCode ?? 0;
}

/** Codes that say the caller may not do this: the fix is a policy (or credentials) change. */
const ACCESS_DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "AuthorizationError",
  "UnauthorizedException",
  // The credentials themselves: expired, unknown, or not accepted in this account.
  "AuthFailure",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
]);

/** Codes that say AWS refused a value: in this suite's calls, always one the user gave. */
const VALIDATION = new Set([
  "ValidationError",
  "ValidationException",
  "InvalidParameterValue",
  "InvalidParameterValueException",
  "InvalidParameterException",
  "InvalidInput",
  "InvalidRequestException",
  "InvalidConfigurationRequest",
  "InvalidTarget",
  "InvalidSecurityGroup",
  "InvalidSubnet",
  "InvalidArnException",
  "MalformedArnException",
]);

export function isAccessDenied(error: unknown): boolean {
  const code = awsErrorCode(error);
  if (code !== undefined) return ACCESS_DENIED.has(code);
  // No credentials at all (no role assumed, no profile): the SDK fails before any request.
  return error instanceof Error && error.name === "CredentialsProviderError";
}

/** `...NotFound`, `...NotFoundException`, `NoSuchEntity`, `ParameterNotFound`, `InvalidGroup.NotFound`, ... */
export function isNotFound(error: unknown): boolean {
  const code = awsErrorCode(error);
  return (
    code !== undefined && (/NotFound(Exception|Fault)?$|^NoSuch/.test(code) || code === "ResourceNotFoundException")
  );
}

export type AwsUserErrorKind = "access-denied" | "not-found" | "validation";

/**
 * Whether an AWS error is the user's to fix (access denied, a resource they
 * named that does not exist, a value AWS refused), and which kind. Everything
 * else — a 5xx, throttling that outlasted the retries, a request this suite
 * built wrongly (`MissingParameter`, `SerializationException`, ...), a socket
 * error — is not, and must not be dressed up as the user's mistake.
 */
export function userErrorKind(error: unknown): AwsUserErrorKind | undefined {
  if (isAccessDenied(error)) return "access-denied";
  const exception = awsException(error);
  if (exception === undefined || exception.$fault === "server" || awsErrorStatus(error) >= 500) return undefined;
  if (isNotFound(error)) return "not-found";
  // The wire code (query protocols: `InvalidTarget`, whose modelled class is `InvalidTargetException`), or the name.
  if (VALIDATION.has(awsErrorCode(error) ?? exception.name)) return "validation";
  return undefined;
}

function detailOf(error: unknown): string {
  const code = awsErrorCode(error);
  return code ? `${code}: ${errorMessage(error)}` : errorMessage(error);
}

/**
 * The error an AWS call ends with: it names the operation as the IAM action
 * (`elasticloadbalancing:DescribeTargetGroups`) and keeps the SDK's error as
 * `cause`. src/lib/aws.ts's client middleware makes it for every call; an
 * error already made is returned unchanged, so a wrapper never names twice.
 */
export function operationError(operation: string, error: unknown): Error {
  if (error instanceof AwsOperationError || error instanceof AwsUserError) return error;
  const kind = userErrorKind(error);
  if (kind === "access-denied") {
    return new AwsUserError(
      operation,
      `${operation} was denied (${detailOf(error)}). Grant the role the permission for ${operation} (see the action's README for the least-privilege policy).`,
      kind,
      error,
    );
  }
  if (kind !== undefined) return new AwsUserError(operation, `${operation} failed: ${detailOf(error)}`, kind, error);
  return new AwsOperationError(operation, `${operation} failed: ${detailOf(error)}`, error);
}

/**
 * An AWS call failed for a reason that is not the user's (a 5xx, a request
 * this suite built wrongly, the network): an internal error, reported with
 * its stack in the debug log. The message names the operation.
 */
export class AwsOperationError extends Error {
  override name = "AwsOperationError";
  readonly code: string | undefined;
  readonly accessDenied = false;
  constructor(
    readonly operation: string,
    message: string,
    cause: unknown,
  ) {
    super(message, { cause });
    this.code = awsErrorCode(cause);
  }
}

/** An AWS call failed for a reason the user can fix (see userErrorKind): reported as a plain message. */
export class AwsUserError extends ConfigurationError {
  override name = "AwsUserError";
  readonly code: string | undefined;
  readonly accessDenied: boolean;
  constructor(
    readonly operation: string,
    message: string,
    readonly kind: AwsUserErrorKind,
    cause: unknown,
  ) {
    super(message, { cause });
    this.code = awsErrorCode(cause);
    this.accessDenied = kind === "access-denied";
  }
}

/** Either kind of failed AWS operation. */
export type OperationFailed = AwsOperationError | AwsUserError;
export function isOperationFailed(error: unknown): error is OperationFailed {
  return error instanceof AwsOperationError || error instanceof AwsUserError;
}
