import fc from 'fast-check';

// Mutations of valid inputs: the inputs a decoder meets in practice are almost right, and random
// bytes rarely get past the first length check. Each mutation is one of the classic byte edits
// (flip, overwrite with a boundary value, insert, delete, truncate, duplicate a slice).

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate'; at: number; count: number };

const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x28, 0x29, 0x27, 0x3a, 0x2c];

const position = fc.nat({ max: 1 << 16 });
const byte = fc.oneof(fc.constantFrom(...BOUNDARY_BYTES), fc.nat({ max: 255 }));

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: position, value: byte }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.array(byte, { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('duplicate' as const), at: position, count: fc.integer({ min: 1, max: 64 }) }),
);

export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 4 });

export function applyMutation(input: Uint8Array, mutation: Mutation): Uint8Array {
  const length = input.length;
  const at = length === 0 ? 0 : mutation.at % (length + (mutation.kind === 'insert' ? 1 : 0));
  const bytes = Array.from(input);
  switch (mutation.kind) {
    case 'flip':
      if (length > 0) bytes[at] = bytes[at]! ^ (1 << mutation.bit);
      break;
    case 'set':
      if (length > 0) bytes[at] = mutation.value;
      break;
    case 'insert':
      bytes.splice(at, 0, ...mutation.bytes);
      break;
    case 'delete':
      bytes.splice(at, mutation.count);
      break;
    case 'truncate':
      bytes.length = at;
      break;
    case 'duplicate':
      bytes.splice(at, 0, ...bytes.slice(at, at + mutation.count));
      break;
  }
  return Uint8Array.from(bytes);
}

export function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  return mutations.reduce(applyMutation, input);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Mutates the UTF-8 bytes of a string and decodes them back (invalid sequences become U+FFFD). */
export function mutateText(input: string, mutations: readonly Mutation[]): string {
  return decoder.decode(mutate(encoder.encode(input), mutations));
}

/** Arbitrary: one of `seeds`, mutated. */
export function mutatedBytes(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...seeds), mutationsArb).map(([seed, mutations]) => mutate(seed, mutations));
}

export function mutatedText(seeds: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...seeds), mutationsArb).map(([seed, mutations]) => mutateText(seed, mutations));
}
