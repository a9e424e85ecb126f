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
