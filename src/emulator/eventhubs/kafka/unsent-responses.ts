import type { Duplex } from 'node:stream';

// Answers written to Kafka connections and not yet taken by the kernel, counted across every
// connection of the endpoint. A Kafka client has no flow control but not asking: a broker sends
// its answers from the page cache, the emulator from a fresh buffer per answer. Without a shared
// bound, 20 authorized connections that asked for 55 MB each and never read held 1.2 GB. Past the
// bound a Fetch answers without records (clients simply fetch again) and every connection with
// unsent bytes of its own waits for them to go before its next request is read.

export class UnsentResponses {
  private bytes = 0;

  constructor(readonly limit: number) {}

  /** Bytes still free under the bound; negative once over it. */
  room(): number {
    return this.limit - this.bytes;
  }

  /** Writes `data` to `stream`, counted until written or the stream is destroyed. */
  write(stream: Duplex, data: Buffer, written?: () => void): void {
    const length = data.length;
    this.bytes += length;
    // Node calls a write's callback once the data is handed on, or with an error when the stream
    // is destroyed first, so the count never leaks.
    stream.write(data, () => {
      this.bytes -= length;
      written?.();
    });
  }
}
