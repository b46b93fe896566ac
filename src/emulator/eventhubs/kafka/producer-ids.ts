import { ERROR } from './protocol.js';

// Idempotent producers (KIP-98): InitProducerId hands out ids; each (producer, partition) keeps
// the last batch's sequence numbers so a retried batch is acknowledged with its original offset
// instead of being written twice. The table is bounded; the oldest producer state is evicted
// first, after which that producer's next batch is taken as new (the service's behaviour there is
// unknown; this is what a broker that lost producer state does with UNKNOWN_PRODUCER_ID retries).

interface LastBatch {
  epoch: number;
  firstSequence: number;
  lastSequence: number;
  baseOffset: number;
}

export type SequenceVerdict = { kind: 'append' } | { kind: 'duplicate'; baseOffset: number } | { kind: 'error'; errorCode: number };

export class ProducerIds {
  private next = 1000;
  private readonly last = new Map<string, LastBatch>();

  constructor(private readonly maxEntries = 100_000) {}

  allocate(): number {
    return this.next++;
  }

  judge(producerId: number, epoch: number, partition: string, firstSequence: number, count: number): SequenceVerdict {
    if (producerId < 0) return { kind: 'append' };
    const previous = this.last.get(`${producerId}/${partition}`);
    if (!previous || epoch > previous.epoch) return { kind: 'append' };
    if (epoch < previous.epoch) return { kind: 'error', errorCode: ERROR.INVALID_PRODUCER_EPOCH };
    if (firstSequence === previous.firstSequence && firstSequence + count - 1 === previous.lastSequence) {
      return { kind: 'duplicate', baseOffset: previous.baseOffset };
    }
    // Sequences wrap at int32 max back to 0 (KIP-98).
    const expected = previous.lastSequence === 0x7fffffff ? 0 : previous.lastSequence + 1;
    return firstSequence === expected ? { kind: 'append' } : { kind: 'error', errorCode: ERROR.OUT_OF_ORDER_SEQUENCE_NUMBER };
  }

  record(producerId: number, epoch: number, partition: string, firstSequence: number, count: number, baseOffset: number): void {
    if (producerId < 0) return;
    const key = `${producerId}/${partition}`;
    this.last.delete(key);
    this.last.set(key, { epoch, firstSequence, lastSequence: firstSequence + count - 1, baseOffset });
    if (this.last.size > this.maxEntries) this.last.delete(this.last.keys().next().value!);
  }
}
