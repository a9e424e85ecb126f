/** An error the emulator answers in the service's own wire shape, with AWS's real code. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Query/EC2 protocols: Sender (client fault) or Receiver (server fault). */
    readonly type: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
    this.name = code;
  }
}

export const validation = (message: string) => new AwsError("ValidationError", message);

/**
 * Access denied as the AWS Query services answer it (IAM, STS, ELBv2, RDS, CloudFormation): `AccessDenied`, 403.
 * Each service names its own in `ServiceModule.accessDenied`.
 */
export const queryAccessDenied = (message: string): AwsError => new AwsError("AccessDenied", message, 403);
/** Access denied as the JSON 1.1 services answer it (ECS, KMS, Secrets Manager, SSM, CloudWatch Logs, ACM). */
export const jsonAccessDenied = (message: string): AwsError => new AwsError("AccessDeniedException", message, 400);
