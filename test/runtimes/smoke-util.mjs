// Shared by the smoke modules that run inside each runtime.

/** A hung dial must fail its check, not stall the whole smoke until the runner's kill. */
export function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
