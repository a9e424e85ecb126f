/**
 * aws-sdk-client-mock, but with every call going through the client's
 * middleware stack instead of around it. `mockClient` replaces `send`, so a
 * plain mock would skip src/lib/aws.ts's operation-naming middleware (that
 * `withOperationNames` attaches to the client); here `send` runs the stack as
 * the SDK does and the mock answers at the end of the `initialize` step, where
 * the request would be serialized and sent. The mock's API (`on`, `rejects`,
 * `commandCalls`, `reset`, ...) is unchanged.
 */
import { mockClient } from "aws-sdk-client-mock";

type Send = (this: unknown, command: unknown, options?: unknown) => Promise<unknown>;
type CommandStack = { middlewareStack: { add: (middleware: unknown, options: object) => void } };

export const mockAws: typeof mockClient = (client, options) => {
  const mock = mockClient(client, options);
  const target = ("prototype" in client ? client.prototype : client) as { send: Send };
  const sdkSend = (Object.getPrototypeOf(target) as { send: Send }).send;
  // The stub that answers is always the mock's current one: `reset()` makes a new one.
  const answer = (self: unknown, command: unknown, sendOptions: unknown) =>
    (mock.send as unknown as Send).call(self, command, sendOptions);
  const route = () => {
    target.send = function (this: unknown, command: unknown, sendOptions?: unknown) {
      (command as CommandStack).middlewareStack.add(
        // The SDK always resolves an object (its logger middleware destructures it).
        () => async () => ({ output: (await answer(this, command, sendOptions)) ?? {}, response: {} }),
        { step: "initialize", priority: "low", name: "awsMockAnswer", override: true },
      );
      return sdkSend.call(this, command, sendOptions);
    };
  };
  route();
  const reset = mock.reset.bind(mock);
  mock.reset = () => {
    reset();
    route();
    return mock;
  };
  return mock;
};
