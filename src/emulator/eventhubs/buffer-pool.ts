// A few large buffers kept for reuse instead of allocating (and later collecting) a fresh one for
// every frame or batch that needs one for a moment (bench/profiles/eh-ingest.md). Bounded by count.

export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(private readonly kept: number) {}

  /** A buffer of at least `size` bytes: a kept one if one is large enough, else a new one. Not zeroed. */
  take(size: number): Buffer {
    const index = this.free.findIndex((buffer) => buffer.length >= size);
    return index >= 0 ? this.free.splice(index, 1)[0]! : Buffer.allocUnsafeSlow(size);
  }

  /** Gives `buffer` back; nothing may use it afterwards. Dropped when the pool is full. */
  give(buffer: Buffer): void {
    if (buffer.length > 0 && this.free.length < this.kept) this.free.push(buffer);
  }
}
