import type { Sender } from 'rhea';
import { encodeDelivery } from './delivery.js';
import { internals } from './link-helpers.js';
import type { EpochRegistry, OwnedReceiver } from './epochs.js';
import type { Partition } from './partition.js';

// A consumer's link: the emulator is the AMQP sender. It delivers the partition's events from
// the start position in order, never beyond the credit the client granted (note §6.1), one
// pre-settled transfer per event (EH ignores consumer dispositions).

export const RUNTIME_METRIC_CAPABILITY = 'com.microsoft:enable-receiver-runtime-metric';
export const EPOCH_PROPERTY = 'com.microsoft:epoch';

interface OutgoingQueue {
  next_pending_delivery: number;
  next_delivery_id: number;
  deliveries: { by_id(id: number): { link: unknown } | undefined; available(): number };
}

/** rhea counts credit only when a queued transfer is written, so count our queued ones too. */
function queuedTransfers(link: Sender): number {
  const outgoing = (link.session as unknown as { outgoing: OutgoingQueue }).outgoing;
  let queued = 0;
  for (let id = outgoing.next_pending_delivery; id < outgoing.next_delivery_id; id++) {
    if (outgoing.deliveries.by_id(id)?.link === link) queued++;
  }
  return queued;
}

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
    const outgoing = (link.session as unknown as { outgoing: OutgoingQueue }).outgoing;
    let budget = Math.min(internals(link).credit - queuedTransfers(link), outgoing.deliveries.available());
    const log = partition.log;
    while (budget > 0) {
      if (this.cursor < log.firstSequenceNumber) this.cursor = log.firstSequenceNumber;
      // atOrAfter, not get: numbering skips records dropped as damaged on load (log/file-log.ts).
      const event = log.atOrAfter(this.cursor);
      if (!event) break;
      const runtime = this.options.runtimeMetrics ? partition.properties() : undefined;
      link.send(encodeDelivery(event, runtime), undefined, 0);
      this.cursor = event.sequenceNumber + 1;
      budget--;
    }
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
