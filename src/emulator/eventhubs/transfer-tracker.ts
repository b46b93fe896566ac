import { AmqpStructureError, walkSequence } from './amqp-structure.js';

// Bounds what a multi-frame delivery (transfer with more=true) may hold before it completes.
// rhea would concatenate every fragment of a delivery, however large, and only then let anyone
// look at its size; on `$cbs` that is before any token. The service rejects a message past the
// link's max-message-size "as soon as it is exceeded" with amqp:link:message-size-exceeded
// (docs/protocol/eventhubs.md §5), so here the bytes are counted per link as they arrive.

const SECTION_CODES = new Set([0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78]);
const SECTION_NAMES = new Set([
  'amqp:header:list',
  'amqp:delivery-annotations:map',
  'amqp:message-annotations:map',
  'amqp:properties:list',
  'amqp:application-properties:map',
  'amqp:data:binary',
  'amqp:amqp-sequence:list',
  'amqp:amqp-value:*',
  'amqp:footer:map',
]);

/** Message sections rhea can unwrap; anything else makes it print the section (token included) to stderr. */
export function isMessageSection(descriptor: number | string | undefined): boolean {
  return typeof descriptor === 'number' ? SECTION_CODES.has(descriptor) : typeof descriptor === 'string' && SECTION_NAMES.has(descriptor);
}

export interface TransferLimits {
  /** Largest message (sum of transfer payloads of one delivery). */
  maxMessageBytes: number;
  /** Bytes of unfinished deliveries a connection may hold over all its links. */
  maxPendingBytes: number;
}

export interface TransferFrame {
  channel: number;
  handle: number;
  deliveryId: number | null;
  format: number | null;
  more: boolean;
  aborted: boolean;
  payload: Buffer;
  frameBytes: number;
}

export type TransferVerdict =
  | { kind: 'forward' }
  /** A frame of a link we already detached for size: rhea must not see it. */
  | { kind: 'drop' }
  | { kind: 'oversize'; description: string }
  | { kind: 'violation'; condition: string; description: string };

interface InProgress {
  bytes: number;
  frames: number;
  format: number;
  /** Slices of frames rhea also holds (same memory): kept to check the sections once complete. */
  fragments: Buffer[];
}

const FORWARD: TransferVerdict = { kind: 'forward' };

// A conformant peer never needs more frames than this for one message: 512 bytes is the
// smallest max-frame-size AMQP allows; this bounds per-fragment bookkeeping in rhea as well.
const MIN_FRAGMENT_BYTES = 256;

export class TransferTracker {
  private readonly inProgress = new Map<string, InProgress>();
  private readonly dropping = new Set<string>();
  private pending = 0;

  constructor(private readonly limits: TransferLimits) {}

  onTransfer(frame: TransferFrame): TransferVerdict {
    const key = `${frame.channel}:${frame.handle}`;
    if (this.dropping.has(key)) return { kind: 'drop' };
    let delivery = this.inProgress.get(key);
    if (!delivery) {
      delivery = { bytes: 0, frames: 0, format: frame.format ?? 0, fragments: [] };
      this.inProgress.set(key, delivery);
    }
    delivery.bytes += frame.payload.length;
    delivery.frames++;
    this.pending += frame.payload.length;
    const maxFrames = Math.ceil(this.limits.maxMessageBytes / MIN_FRAGMENT_BYTES) + 1;
    if (delivery.bytes > this.limits.maxMessageBytes || delivery.frames > maxFrames) {
      this.forget(key);
      this.dropping.add(key);
      return {
        kind: 'oversize',
        description: `The received message (delivery-id:${frame.deliveryId ?? 'continued'}, size:${delivery.bytes} bytes so far) exceeds the limit (${this.limits.maxMessageBytes} bytes) currently allowed on the link.`,
      };
    }
    if (this.pending > this.limits.maxPendingBytes) {
      return {
        kind: 'violation',
        condition: 'amqp:resource-limit-exceeded',
        description: `Unfinished deliveries on this connection exceed ${this.limits.maxPendingBytes} bytes.`,
      };
    }
    if (frame.aborted) {
      this.forget(key);
      return FORWARD;
    }
    if (delivery.format === 0 && frame.payload.length > 0) delivery.fragments.push(frame.payload);
    if (frame.more) return FORWARD;
    const complete = delivery.format === 0 ? delivery.fragments : [];
    this.forget(key);
    if (complete.length === 0) return FORWARD;
    const message = complete.length === 1 ? complete[0]! : Buffer.concat(complete);
    try {
      walkSequence(message, 0, message.length, isMessageSection);
    } catch (error) {
      if (!(error instanceof AmqpStructureError)) throw error;
      return { kind: 'violation', condition: 'amqp:decode-error', description: `malformed message: ${error.message}` };
    }
    return FORWARD;
  }

  /** Whether a transfer on this link with this `format` field belongs to a delivery of a non-zero message format (its first frame says). */
  isRaw(channel: number, handle: number, format: number | null): boolean {
    const delivery = this.inProgress.get(`${channel}:${handle}`);
    return (delivery ? delivery.format : (format ?? 0)) !== 0;
  }

  /** The peer detached or re-attached this handle: its unfinished delivery, if any, is gone. */
  forgetLink(channel: number, handle: number): void {
    const key = `${channel}:${handle}`;
    this.forget(key);
    this.dropping.delete(key);
  }

  forgetChannel(channel: number): void {
    for (const key of [...this.inProgress.keys(), ...this.dropping]) {
      if (key.startsWith(`${channel}:`)) this.forgetLink(channel, Number(key.slice(key.indexOf(':') + 1)));
    }
  }

  get pendingBytes(): number {
    return this.pending;
  }

  private forget(key: string): void {
    const delivery = this.inProgress.get(key);
    if (!delivery) return;
    this.pending -= delivery.bytes;
    this.inProgress.delete(key);
  }
}
