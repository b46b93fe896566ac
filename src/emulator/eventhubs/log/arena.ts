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

import { prefault, type Prefaulted } from './prefault.js';

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

/**
 * `size` bytes of memory for a block: a SharedArrayBuffer while `account` stays within `limit`,
 * else an ArrayBuffer V8 counts (and so collects for). Zeroed either way.
 */
function blockMemory(size: number, account: Uncounted, limit: number): ArrayBufferLike {
  if (account.bytes + size > limit) return new ArrayBuffer(size);
  return uncountedMemory(size, account);
}

function uncountedMemory(size: number, account: Uncounted): SharedArrayBuffer {
  const memory = new SharedArrayBuffer(size);
  account.bytes += size;
  collected.register(memory, { account, bytes: size });
  return memory;
}

export class ByteArena {
  private block: Uint8Array = new Uint8Array(0);
  private used = 0;
  private nextSize = FIRST_BLOCK;
  private readonly uncounted: Uncounted = { bytes: 0 };
  /** The next largest block, its pages being touched by a worker (prefault.ts) while this one fills. */
  private next: Prefaulted | undefined;
  private prepared = 0;

  /** `uncountedLimit`: bytes of blocks V8 does not count that may be alive (kept or not yet freed). */
  constructor(private readonly uncountedLimit = Number.POSITIVE_INFINITY) {}

  /** Blocks taken ready-touched from the worker so far (for tests). */
  get preparedBlocksUsed(): number {
    return this.prepared;
  }

  /** Bytes of this arena's uncounted blocks not yet freed (for tests). */
  get uncountedBytes(): number {
    return this.uncounted.bytes;
  }

  /** The prepared block, if it is ready and `length` fits; a block still being touched stays for later. */
  private takeNext(length: number): SharedArrayBuffer | undefined {
    const next = this.next;
    if (!next || this.nextSize < LARGEST_BLOCK || length > LARGEST_BLOCK || !next.ready()) return undefined;
    this.next = undefined;
    this.prepared++;
    return next.memory;
  }

  /** A copy of `bytes` in the arena. */
  copy(bytes: Uint8Array): Placed<Uint8Array> {
    const length = bytes.byteLength;
    if (this.used + length > this.block.byteLength) {
      // Blocks grow with use, so a quiet partition holds little.
      this.block = new Uint8Array(this.takeNext(length) ?? blockMemory(Math.max(this.nextSize, length), this.uncounted, this.uncountedLimit));
      this.nextSize = Math.min(this.nextSize * 2, LARGEST_BLOCK);
      this.used = 0;
      // A busy log (largest blocks, within the uncounted bound) gets its next block prepared.
      if (this.block.byteLength === LARGEST_BLOCK && !this.next && this.uncounted.bytes + LARGEST_BLOCK <= this.uncountedLimit) {
        this.next = prefault(uncountedMemory(LARGEST_BLOCK, this.uncounted));
      }
    }
    const at = this.used;
    this.block.set(bytes, at);
    this.used += length;
    return { block: this.block, at };
  }
}

// Event positions (8 bytes an event: a 1,000-event batch takes 8 KB) live as long as their chunk,
// so index blocks are uncounted too: as ArrayBuffers they alone made V8 run a full collection every
// ~100 batches, each block's bytes counting towards the old generation's limit until the next one
// (bench/profiles/eh-ingest.md). Shared by every partition; bounded like the byte arenas.
const INDEX_BLOCK = 256 * 1024;
/** Uncounted index blocks that may be alive: ~8% of the default logs' 4 × 256 MiB for 100-byte events, twice over. */
export const INDEX_UNCOUNTED_LIMIT = 256 * 1024 * 1024;
const indexAccount: Uncounted = { bytes: 0 };
let indexBlock: Uint32Array = new Uint32Array(0);
let indexUsed = 0;

/** `length` zeroed entries of a shared index block. */
export function indexEntries(length: number): Placed<Uint32Array> {
  if (length > INDEX_BLOCK / 4) return { block: new Uint32Array(length), at: 0 };
  if (indexUsed + length > indexBlock.length) {
    indexBlock = new Uint32Array(blockMemory(4 * INDEX_BLOCK, indexAccount, INDEX_UNCOUNTED_LIMIT));
    indexUsed = 0;
  }
  const at = indexUsed;
  indexUsed += length;
  return { block: indexBlock, at };
}

/** Bytes of uncounted index blocks not yet freed (for tests). */
export function uncountedIndexBytes(): number {
  return indexAccount.bytes;
}
