/** Helpers for the unit tests that use aws-sdk-client-mock. */
import * as ecs from "@aws-sdk/client-ecs";
import * as elb from "@aws-sdk/client-elastic-load-balancing-v2";
import { decorateServiceException, ServiceException } from "@smithy/core/client";
import { vi } from "vitest";
import type { Clock } from "../../../src/lib/retry";

type ExceptionClass = new (opts: { message: string; $metadata: object }) => ServiceException;
const modelled = (module: object, name: string): ExceptionClass | undefined => {
  const found = (module as Record<string, unknown>)[name];
  return typeof found === "function" && found.prototype instanceof ServiceException
    ? (found as ExceptionClass)
    : undefined;
};

/**
 * The exception the SDK throws for an error code: the client's modelled class
 * when it has one (`LoadBalancerNotFound` -> `LoadBalancerNotFoundException`,
 * with the wire code in `Code` as the query protocol leaves it), otherwise the
 * SDK's base ServiceException named by the code, as EC2's unmodelled codes
 * (`InvalidGroup.NotFound`) and `AccessDenied` arrive.
 */
export function awsError(code: string, message = code): ServiceException {
  const $metadata = { httpStatusCode: 400 };
  const Modelled = modelled(elb, `${code}Exception`) ?? modelled(ecs, code);
  if (Modelled) return decorateServiceException(new Modelled({ message, $metadata }), { Code: code });
  return new ServiceException({ name: code, $fault: "client", $metadata, message });
}

let pumping = false;

/**
 * Fake timers (Date and setTimeout) from `start`, advanced to the next timer
 * whenever the test's promises have settled: the SDK's waiters and every
 * other wait take no real time. `slept` lists the delay of every timer set.
 * The returned clock reads the same fake time. Undo with `vi.useRealTimers()`.
 */
export function fakeClock(start = 1_700_000_000_000): Clock & { slept: number[] } {
  vi.useRealTimers();
  vi.useFakeTimers({ now: start, toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  const slept: number[] = [];
  const fake = globalThis.setTimeout;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    slept.push(ms ?? 0);
    return fake(fn, ms);
  }) as typeof setTimeout;
  if (!pumping) {
    pumping = true;
    // setImmediate is not faked: it runs once the microtasks (the mocks' answers) are done.
    const pump = () => {
      if (!vi.isFakeTimers()) {
        pumping = false;
        return;
      }
      vi.advanceTimersToNextTimer();
      setImmediate(pump);
    };
    setImmediate(pump);
  }
  return {
    slept,
    now: () => Date.now(),
  };
}
