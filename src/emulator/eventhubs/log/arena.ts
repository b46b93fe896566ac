// Where the partition log keeps event bytes and event positions. A retained batch holding an
// ArrayBuffer and index arrays of its own costs the garbage collector on every collection, and
// collections come more often as the log grows (each tens of MB of new data starts one). So
// bytes are copied into large shared blocks (the per-transfer buffer dies young) and positions
// live in shared index blocks: a retained chunk is one small object plus its share of a block.
// A block is freed once retention has dropped every chunk in it.

const FIRST_BLOCK = 64 * 1024;
const LARGEST_BLOCK = 8 * 1024 * 1024;

/** A place in a shared block: `block[at…]`. */
export interface Placed<T> {
  block: T;
  at: number;
}

export class ByteArena {
  private block: Uint8Array = new Uint8Array(0);
  private used = 0;
  private nextSize = FIRST_BLOCK;

  /** A copy of `bytes` in the arena. */
  copy(bytes: Uint8Array): Placed<Uint8Array> {
    const length = bytes.byteLength;
    if (this.used + length > this.block.byteLength) {
      // Blocks grow with use, so a quiet partition holds little. Not zeroed: every byte handed
      // out is written first, and zeroing costs as much as the copy once retention frees memory
      // for reuse (bench/eh-fresh-memory.mjs).
      this.block = Buffer.allocUnsafeSlow(Math.max(this.nextSize, length));
      this.nextSize = Math.min(this.nextSize * 2, LARGEST_BLOCK);
      this.used = 0;
    }
    const at = this.used;
    this.block.set(bytes, at);
    this.used += length;
    return { block: this.block, at };
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
