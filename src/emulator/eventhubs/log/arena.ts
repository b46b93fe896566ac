// Where the partition log keeps event bytes and event positions. A retained batch holding an
// ArrayBuffer and index arrays of its own costs the garbage collector on every collection, and
// collections come more often as the log grows (each tens of MB of new data starts one). So
// bytes are copied into large shared blocks (the per-transfer buffer dies young) and positions
// live in shared index blocks: a retained chunk is one small object plus its share of a block.
// A block is freed once retention has dropped every chunk in it.
//
// Blocks are SharedArrayBuffers: V8 counts an ArrayBuffer's bytes as external memory and starts
// a full collection every ~64 MB of it, so a log growing at 400 MB/s was collected several times
// a second for bytes it must keep anyway; a SharedArrayBuffer's bytes are not counted
// (bench/profiles/eh-ingest.md). What V8 does not see it does not hurry to free either: a block
// retention let go waits for a collection that other allocation starts. So an arena's blocks not
// yet collected are bounded (`uncountedLimit`, twice the log's cap by default): past it, new blocks
// are ordinary ArrayBuffers, whose bytes V8 counts, so it collects (and frees the old blocks too).

const FIRST_BLOCK = 64 * 1024;
const LARGEST_BLOCK = 8 * 1024 * 1024;

/** A place in a shared block: `block[at…]`. */
export interface Placed<T> {
  block: T;
  at: number;
}

/** Bytes of an arena's SharedArrayBuffer blocks that the garbage collector has not freed yet. */
interface Uncounted {
  bytes: number;
}

const collected = new FinalizationRegistry<{ account: Uncounted; bytes: number }>(({ account, bytes }) => {
  account.bytes -= bytes;
});

export class ByteArena {
  private block: Uint8Array = new Uint8Array(0);
  private used = 0;
  private nextSize = FIRST_BLOCK;
  private readonly uncounted: Uncounted = { bytes: 0 };

  /** `uncountedLimit`: bytes of blocks V8 does not count that may be alive (kept or not yet freed). */
  constructor(private readonly uncountedLimit = Number.POSITIVE_INFINITY) {}

  /** Bytes of this arena's uncounted blocks not yet freed (for tests). */
  get uncountedBytes(): number {
    return this.uncounted.bytes;
  }

  /** A copy of `bytes` in the arena. */
  copy(bytes: Uint8Array): Placed<Uint8Array> {
    const length = bytes.byteLength;
    if (this.used + length > this.block.byteLength) {
      // Blocks grow with use, so a quiet partition holds little.
      this.block = this.newBlock(Math.max(this.nextSize, length));
      this.nextSize = Math.min(this.nextSize * 2, LARGEST_BLOCK);
      this.used = 0;
    }
    const at = this.used;
    this.block.set(bytes, at);
    this.used += length;
    return { block: this.block, at };
  }

  private newBlock(size: number): Uint8Array {
    // Not zeroed when counted: every byte handed out is written first.
    if (this.uncounted.bytes + size > this.uncountedLimit) return Buffer.allocUnsafeSlow(size);
    const memory = new SharedArrayBuffer(size);
    this.uncounted.bytes += size;
    collected.register(memory, { account: this.uncounted, bytes: size });
    return new Uint8Array(memory);
  }
}

const INDEX_BLOCK = 64 * 1024;
let indexBlock = new Uint32Array(INDEX_BLOCK);
let indexUsed = 0;

/** `length` zeroed entries of a shared index block. */
export function indexEntries(length: number): Placed<Uint32Array> {
  if (length > INDEX_BLOCK / 4) return { block: new Uint32Array(length), at: 0 };
  if (indexUsed + length > indexBlock.length) {
    indexBlock = new Uint32Array(INDEX_BLOCK);
    indexUsed = 0;
  }
  const at = indexUsed;
  indexUsed += length;
  return { block: indexBlock, at };
}
