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

/** The AWS error code (SDK v3 puts it on `name`), or undefined for non-AWS errors. */
export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { name?: unknown; Code?: unknown; code?: unknown; $metadata?: unknown };
  if (typeof e.Code === "string") return e.Code;
  if (typeof e.code === "string" && e.$metadata !== undefined) return e.code;
  if (e.$metadata !== undefined && typeof e.name === "string") return e.name;
  return undefined;
}

const ACCESS_DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "AuthorizationError",
  "UnauthorizedException",
]);

export function isAccessDenied(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code !== undefined && ACCESS_DENIED.has(code);
}

/**
 * Wraps an AWS call so a failure names the operation. An access-denied error
 * becomes a ConfigurationError: the fix is a policy change, not a bug report.
 */
export async function describeFailure<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw operationError(operation, error);
  }
}

export function operationError(operation: string, error: unknown): Error {
  if (error instanceof OperationFailed) return error;
  const code = awsErrorCode(error);
  const detail = code ? `${code}: ${errorMessage(error)}` : errorMessage(error);
  if (isAccessDenied(error)) {
    return new OperationFailed(
      operation,
      `${operation} was denied (${detail}). Grant the role the permission for ${operation} (see the action's README for the least-privilege policy).`,
      code,
      true,
    );
  }
  return new OperationFailed(operation, `${operation} failed: ${detail}`, code, false);
}

/** An AWS operation failed; the message always names the operation. */
export class OperationFailed extends ConfigurationError {
  override name = "OperationFailed";
  constructor(
    readonly operation: string,
    message: string,
    readonly code: string | undefined,
    readonly accessDenied: boolean,
  ) {
    super(message);
  }
}
