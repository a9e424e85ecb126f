/**
 * `read`, called once per key: every later call with the same key gets the first call's promise (a hundred
 * secrets under one KMS key ask AWS once). A rejection is kept like a result: the caller's error is the same
 * each time.
 */
export function onceEach<A extends unknown[], T>(
  keyOf: (...args: A) => string,
  read: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  const known = new Map<string, Promise<T>>();
  return (...args) => {
    const key = keyOf(...args);
    let hit = known.get(key);
    if (!hit) {
      hit = read(...args);
      known.set(key, hit);
    }
    return hit;
  };
}
