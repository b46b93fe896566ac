import { describeValue } from '../../core/errors.js';

// Validation helpers for emulator config files and options: every mistake is a TypeError of the
// form "emulator config: expected X to be Y, got Z", naming where in the file it is.

export function configError(where: string, expected: string, value: unknown): never {
  throw new TypeError(`emulator config: expected ${where} to be ${expected}, got ${describeValue(value)}`);
}

export function record(where: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) configError(where, 'an object', value);
  return value as Record<string, unknown>;
}

export function text(where: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') configError(where, 'a non-empty string', value);
  return value;
}

export function flag(where: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') configError(where, 'a boolean', value);
  return value;
}

export function list(where: string, value: unknown): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) configError(where, 'an array', value);
  return value;
}

/** A positive integer option with a default (a count, a byte size or a duration in ms). */
export function positiveInteger(where: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) configError(where, 'a positive integer', value);
  return value;
}
