import { RealtimeError } from '../../../src/core/errors.js';
import { CASE_TIME_LIMIT_MS } from './budget.js';

// The contract every decoder and parser is held to: return, or throw a typed error, quickly.
// A TypeError or RangeError the engine raised (reading a property of undefined, a blown stack,
// an invalid array length) is a crash in disguise, not a typed refusal, so it fails the property
// like any other class; fast-check then shrinks the input to the smallest that still fails.

export type ErrorClass = abstract new (...args: never[]) => Error;

export const CORE_TYPED: readonly ErrorClass[] = [RealtimeError, TypeError, RangeError];

const ENGINE_MESSAGES = /Cannot read properties of|Cannot set properties of|is not a function|is not iterable|is not a constructor|Maximum call stack|Invalid array length|Invalid typed array length|Array buffer allocation failed|Invalid string length|Cannot convert/;

function isTyped(error: unknown, allowed: readonly ErrorClass[]): boolean {
  return error instanceof Error && allowed.some((type) => error instanceof type) && error.message.length > 0 && !ENGINE_MESSAGES.test(error.message);
}

export class UntypedError extends Error {
  override readonly name = 'UntypedError';
}

/**
 * Runs `decode`; throws UntypedError if it threw anything outside `allowed` or ran too long. A call
 * over the limit is timed twice more and judged by the fastest run: a GC pause or a busy core
 * (the suite shares the machine) slows one run, a super-linear decoder slows all three.
 */
export function expectTyped<T>(decode: () => T, allowed: readonly ErrorClass[] = CORE_TYPED, limitMs = CASE_TIME_LIMIT_MS): T | Error {
  let outcome: T | Error = new Error('not run');
  let fastest = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3 && fastest > limitMs; attempt++) {
    const started = performance.now();
    try {
      outcome = decode();
    } catch (error) {
      if (!isTyped(error, allowed)) {
        throw new UntypedError(`untyped failure: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`);
      }
      outcome = error as Error;
    }
    fastest = Math.min(fastest, performance.now() - started);
  }
  if (fastest > limitMs) throw new UntypedError(`one call took ${fastest.toFixed(0)} ms (limit ${limitMs} ms), fastest of 3`);
  return outcome;
}

/** The async form, for verify functions that return promises (SAS, JWT); same timing rule. */
export async function expectTypedAsync<T>(decode: () => Promise<T>, allowed: readonly ErrorClass[] = CORE_TYPED, limitMs = CASE_TIME_LIMIT_MS): Promise<T | Error> {
  let outcome: T | Error = new Error('not run');
  let fastest = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3 && fastest > limitMs; attempt++) {
    const started = performance.now();
    try {
      outcome = await decode();
    } catch (error) {
      if (!isTyped(error, allowed)) {
        throw new UntypedError(`untyped failure: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`);
      }
      outcome = error as Error;
    }
    fastest = Math.min(fastest, performance.now() - started);
  }
  if (fastest > limitMs) throw new UntypedError(`one call took ${fastest.toFixed(0)} ms (limit ${limitMs} ms), fastest of 3`);
  return outcome;
}
