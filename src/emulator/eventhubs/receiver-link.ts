import type { Sender } from 'rhea';
import { encodeChunkDelivery, runtimeSection, type RuntimeSection } from './delivery.js';
import { internals } from './link-helpers.js';
import { outboundBudgetOf, queuedOutgoing } from './outbound-budget.js';
import type { EpochRegistry, OwnedReceiver } from './epochs.js';
import type { EventChunk } from './log/memory-log.js';
import type { Partition } from './partition.js';
import { dropUnsentDeliveries } from './unsent-deliveries.js';

// A consumer's link: the emulator is the AMQP sender. It delivers the partition's events from
// the start position in order, never beyond the credit the client granted (docs/protocol/eventhubs.md §6.1), one
// pre-settled transfer per event (EH ignores consumer dispositions). Events are encoded one at a
// time from the shared partition log's chunks (delivery.ts) and only while the connection's unsent bytes stay under its
// outbound budget (outbound-budget.ts): a client that grants credit and never reads pauses here.

export const RUNTIME_METRIC_CAPABILITY = 'com.microsoft:enable-receiver-runtime-metric';
export const EPOCH_PROPERTY = 'com.microsoft:epoch';

export interface ConsumerLinkOptions {
  link: Sender;
  partition: Partition;
  ownershipKey: string;
  start: number;
  epoch: number | undefined;
  runtimeMetrics: boolean;
  registry: EpochRegistry;
}

export class ConsumerLink implements OwnedReceiver {
  private cursor: number;
  private closed = false;
  private waitingForDrain = false;
  private readonly unsubscribe: () => void;
  readonly name: string;
  readonly epoch: number | undefined;

  constructor(private readonly options: ConsumerLinkOptions) {
    this.cursor = options.start;
    this.name = options.link.name;
    this.epoch = options.epoch;
    this.unsubscribe = options.partition.onAppend(() => this.pump());
  }

  pump(): void {
    if (this.closed) return;
    const { link, partition } = this.options;
    if (!link.is_open()) return;
    // rhea counts credit only when a queued transfer is written, so count our queued ones too.
    const queued = queuedOutgoing(link.session, link);
    let budget = Math.min(internals(link).credit - queued.count, queued.room);
    const outbound = outboundBudgetOf(link.connection);
    let unsent = queued.bytes + (outbound?.buffered() ?? 0);
    const log = partition.log;
    let runtime: RuntimeSection | undefined;
    let place: { chunk: EventChunk; index: number } | undefined;
    while (budget > 0) {
      if (outbound && unsent >= outbound.limit) {
        this.pauseUntilDrained();
        break;
      }
      if (!place || place.index >= place.chunk.count) {
        // locate steps over gaps: numbering skips records dropped as damaged on load (log/file-log.ts),
        // and over what retention dropped.
        place = log.locate(this.cursor);
        if (!place) break;
      }
      // The same for every event of this pump: the partition cannot change while it runs.
      if (this.options.runtimeMetrics) runtime ??= runtimeSection(partition.properties());
      const encoded = encodeChunkDelivery(place.chunk, place.index, runtime);
      link.send(encoded, undefined, 0);
      unsent += encoded.length;
      this.cursor = place.chunk.firstSequenceNumber + place.index + 1;
      place.index++;
      budget--;
    }
  }

  /**
   * Resumes once the bytes just handed to rhea have left: rhea writes them on the next tick, and a
   * socket that took them at once never emits 'drain', so look again after that tick. While the
   * socket holds at least the bound, its 'drain' wakes us; while rhea holds them (the peer's
   * session window is shut), the peer's next flow does ('sendable').
   */
  private pauseUntilDrained(): void {
    if (this.waitingForDrain) return;
    this.waitingForDrain = true;
    setImmediate(() => {
      const { link } = this.options;
      const outbound = outboundBudgetOf(link.connection);
      const buffered = outbound?.buffered() ?? 0;
      if (outbound && buffered >= outbound.limit) {
        outbound.whenDrained(() => {
          this.waitingForDrain = false;
          this.pump();
        });
        return;
      }
      this.waitingForDrain = false;
      if (!outbound || queuedOutgoing(link.session, link).bytes + buffered < outbound.limit) this.pump();
    });
  }

  get session(): unknown {
    return this.options.link.session;
  }

  steal(description: string): void {
    this.dispose();
    this.options.link.close({ condition: 'amqp:link:stolen', description });
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    // Nothing may follow the link's detach on the wire (unsent-deliveries.ts).
    dropUnsentDeliveries(this.options.link.session, this.options.link);
    this.unsubscribe();
    this.options.registry.release(this.options.ownershipKey, this);
  }
}

/** `com.microsoft:epoch` as a number; rhea may decode a long as a number or an 8-byte buffer. */
export function epochFrom(properties: Record<string, unknown> | undefined): number | undefined {
  const raw = properties?.[EPOCH_PROPERTY];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number') return raw;
  if (Buffer.isBuffer(raw) && raw.length === 8) return Number(raw.readBigInt64BE(0));
  const value = (raw as { value?: unknown }).value;
  return typeof value === 'number' ? value : undefined;
}

export function wantsRuntimeMetrics(desired: unknown): boolean {
  const list = Array.isArray(desired) ? desired : desired === undefined || desired === null ? [] : [desired];
  return list.includes(RUNTIME_METRIC_CAPABILITY);
}
