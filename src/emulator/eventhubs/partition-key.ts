// Partition-key routing. Uses the same function as the SDK's EventHubBufferedProducerClient
// (docs/protocol/eventhubs.md §5): Bob Jenkins' lookup3 `hashlittle2` over the UTF-8 bytes with both seeds 0, then
// int16(c ^ b) and |h mod count|, so keyed sends land on the same partition from either producer.

function rotate(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}

function mix(state: Uint32Array): void {
  let [a, b, c] = state as unknown as [number, number, number];
  a = (a - c) >>> 0; a = (a ^ rotate(c, 4)) >>> 0; c = (c + b) >>> 0;
  b = (b - a) >>> 0; b = (b ^ rotate(a, 6)) >>> 0; a = (a + c) >>> 0;
  c = (c - b) >>> 0; c = (c ^ rotate(b, 8)) >>> 0; b = (b + a) >>> 0;
  a = (a - c) >>> 0; a = (a ^ rotate(c, 16)) >>> 0; c = (c + b) >>> 0;
  b = (b - a) >>> 0; b = (b ^ rotate(a, 19)) >>> 0; a = (a + c) >>> 0;
  c = (c - b) >>> 0; c = (c ^ rotate(b, 4)) >>> 0; b = (b + a) >>> 0;
  state[0] = a; state[1] = b; state[2] = c;
}

function finalMix(state: Uint32Array): void {
  let [a, b, c] = state as unknown as [number, number, number];
  c = (c ^ b) >>> 0; c = (c - rotate(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rotate(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rotate(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rotate(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rotate(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rotate(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rotate(b, 24)) >>> 0;
  state[0] = a; state[1] = b; state[2] = c;
}

/** Little-endian word at `index` of the zero-padded tail. */
function word(bytes: Uint8Array, index: number): number {
  return ((bytes[index] ?? 0) | ((bytes[index + 1] ?? 0) << 8) | ((bytes[index + 2] ?? 0) << 16) | ((bytes[index + 3] ?? 0) << 24)) >>> 0;
}

export function hashPartitionKey(key: string): number {
  const bytes = new TextEncoder().encode(key);
  const initial = (0xdeadbeef + bytes.length) >>> 0;
  const state = new Uint32Array([initial, initial, initial]);
  let index = 0;
  let remaining = bytes.length;
  while (remaining > 12) {
    state[0] = state[0]! + word(bytes, index);
    state[1] = state[1]! + word(bytes, index + 4);
    state[2] = state[2]! + word(bytes, index + 8);
    mix(state);
    index += 12;
    remaining -= 12;
  }
  if (remaining > 0) {
    // The last 1–12 bytes, read as zero-padded words: the same sums as lookup3's switch.
    const tail = bytes.subarray(index, index + remaining);
    state[0] = state[0]! + word(tail, 0);
    if (remaining > 4) state[1] = state[1]! + word(tail, 4);
    if (remaining > 8) state[2] = state[2]! + word(tail, 8);
    finalMix(state);
  }
  return new Int16Array([(state[2]! ^ state[1]!) | 0])[0]!;
}

export function partitionForKey(key: string, partitionCount: number): number {
  return Math.abs(hashPartitionKey(key) % partitionCount);
}
