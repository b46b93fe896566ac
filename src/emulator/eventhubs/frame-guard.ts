import { AmqpStructureError, describedAt, listElements, readBooleanField, readUintField, walkValue } from './amqp-structure.js';
import { openProblem } from './open-fields.js';
import { DEFAULT_OPEN_LINK_LIMITS, OpenLinks, type OpenLinkLimits } from './open-links.js';
import { TransferTracker, type TransferLimits } from './transfer-tracker.js';
import { BufferPool } from './buffer-pool.js';

// Reads the inbound AMQP byte stream frame by frame before rhea sees any of it (AMQP 1.0
// §2.2–2.3): a protocol header `AMQP <id> 1 0 0` (id 0 = AMQP, 3 = SASL), then frames of
// `size(4) doff(1) type(1) channel(2)`. Only whole frames that passed every check are handed on:
//  - header and frame shape: a bad header, a size outside 8..max-frame-size, a data offset outside
//    the frame or an unknown frame type (rhea would buffer an oversized frame without limit);
//  - structure: the body's encoded values, walked against the bytes present (amqp-structure.ts);
//  - transfers: per-link bytes of unfinished deliveries (transfer-tracker.ts);
//  - sessions and links open, before and after authorization (open-links.ts);
//  - the open's max-frame-size, which rhea's sending trusts (open-fields.ts).
// A frame is held here until complete, so memory per connection is at most two max-frame-sizes, none
// between frames (FrameGuard.assembly).

export interface FrameViolation {
  /** `header`: the client never sent a valid header: answer with ours and close (AMQP 1.0 §2.2). */
  phase: 'header' | 'frames';
  condition: string;
  description: string;
}

export type GuardAction =
  | { kind: 'forward'; bytes: Buffer }
  /** Detach this link with amqp:link:message-size-exceeded and drop what rhea holds of its delivery. */
  | { kind: 'oversize'; channel: number; handle: number; deliveryId: number | null; description: string }
  /** A transfer frame withheld from rhea (its link is being detached): keep rhea's transfer counting in step. */
  | { kind: 'dropped'; channel: number; deliveryId: number | null }
  /**
   * The SASL layer ends here: what follows (from `AMQP 0 1 0 0` on) is for the AMQP layer and must
   * reach rhea only after its SASL outcome, which rhea decides a promise tick after sasl-init.
   */
  | { kind: 'sasl-handover' };

export interface GuardResult {
  actions: GuardAction[];
  violation?: FrameViolation;
}

export interface FrameGuardLimits extends TransferLimits, Partial<OpenLinkLimits> {
  maxFrameSize: number;
}

const HEADER_BYTES = 8;
const EMPTY = Buffer.alloc(0);

/**
 * Assembly buffers given back by connections that went quiet between frames, for the next frame
 * that spans reads on any connection (bounded). A buffer is given back at the end of a push, and a
 * view of it handed on in that push is read before any other push runs (see `rawTransfer`).
 */
const pool = new BufferPool(8);
const ASSEMBLY_BYTES = 64 * 1024;

const AMQP = [0x41, 0x4d, 0x51, 0x50];
const PERFORMATIVE = { open: 0x10, begin: 0x11, attach: 0x12, transfer: 0x14, detach: 0x16, end: 0x17 } as const;
const PERFORMATIVE_NAMES: Record<string, number> = {
  'amqp:open:list': PERFORMATIVE.open,
  'amqp:begin:list': PERFORMATIVE.begin,
  'amqp:attach:list': PERFORMATIVE.attach,
  'amqp:transfer:list': PERFORMATIVE.transfer,
  'amqp:detach:list': PERFORMATIVE.detach,
  'amqp:end:list': PERFORMATIVE.end,
};

const framing = (description: string): FrameViolation => ({ phase: 'frames', condition: 'amqp:connection:framing-error', description });
const decode = (description: string): FrameViolation => ({ phase: 'frames', condition: 'amqp:decode-error', description });
const overLimit = (description: string): FrameViolation => ({ phase: 'frames', condition: 'amqp:resource-limit-exceeded', description });

export class FrameGuard {
  private readonly limits: FrameGuardLimits & OpenLinkLimits;
  private readonly transfers: TransferTracker;
  private readonly open: OpenLinks;
  /**
   * The unit being read across chunks is copied here as it arrives: reused, grown up to
   * max-frame-size. A batch of 1,000 events spans two frames, and nearly every frame spans two
   * socket reads; a new buffer per such frame (~115 KB a batch) made V8 run a full collection
   * every ~100 batches, as such memory counts towards the old generation's limit until a
   * collection frees it (bench/profiles/eh-ingest.md). Two, swapped when a unit goes on as a
   * view: the next chunk's tail may be held before this chunk's actions are carried out.
   */
  private assembly: Buffer = EMPTY;
  private spare: Buffer = EMPTY;
  private partialBytes = 0;
  /** Chunks pushed since the last `sasl-handover` (what follows one may wait a tick, sasl-handover.ts). */
  private pushesSinceHandover = 2;
  /** Bytes the unit being read needs: 8 until its header is known, then the frame's size. */
  private unitBytes = HEADER_BYTES;
  private headers = 0;
  /** `AMQP 3 1 0 0` was read and the AMQP header that ends that layer not yet. */
  private inSaslLayer = false;

  /** `authorized`: whether the connection holds a grant yet (more sessions and links are allowed then). */
  constructor(limits: number | Partial<FrameGuardLimits>, authorized: () => boolean = () => true) {
    const given = typeof limits === 'number' ? { maxFrameSize: limits } : limits;
    this.limits = { maxFrameSize: 65536, maxMessageBytes: 1024 * 1024, maxPendingBytes: 64 * 1024 * 1024, ...DEFAULT_OPEN_LINK_LIMITS, ...given };
    this.transfers = new TransferTracker(this.limits);
    this.open = new OpenLinks(this.limits, authorized);
  }

  /** Bytes of unfinished multi-frame deliveries on this connection. */
  get pendingTransferBytes(): number {
    return this.transfers.pendingBytes;
  }

  /** Bytes of assembly memory this connection holds now (for tests). */
  get assemblyBytes(): number {
    return this.assembly.length + this.spare.length;
  }

  /** Only the first violation, for callers that forward bytes themselves (tests). */
  check(chunk: Buffer): FrameViolation | undefined {
    return this.push(chunk).violation;
  }

  /** Consumes the next chunk: the whole frames to hand to rhea and what to do besides, in order. */
  push(chunk: Buffer): GuardResult {
    const actions: GuardAction[] = [];
    this.pushesSinceHandover++;
    // Whole frames inside this chunk go on as one slice of it, without a copy.
    let runStart = -1;
    const flushRun = (at: number): void => {
      if (runStart >= 0 && at > runStart) actions.push({ kind: 'forward', bytes: chunk.subarray(runStart, at) });
      runStart = -1;
    };
    let position = 0;
    while (position < chunk.length) {
      let unit: Buffer;
      let unitStart = -1;
      if (this.partialBytes === 0 && chunk.length - position >= HEADER_BYTES) {
        const known = this.unitSize(chunk.subarray(position, position + HEADER_BYTES));
        if (typeof known !== 'number') return { actions, violation: known };
        if (chunk.length - position < known) {
          flushRun(position);
          this.hold(chunk.subarray(position), known);
          break;
        }
        unit = chunk.subarray(position, position + known);
        unitStart = position;
        position += known;
      } else {
        flushRun(position);
        const take = Math.min(this.unitBytes - this.partialBytes, chunk.length - position);
        this.assemble(chunk, position, take);
        position += take;
        if (this.partialBytes < this.unitBytes) continue;
        if (this.unitBytes === HEADER_BYTES) {
          const known = this.unitSize(this.assembly.subarray(0, HEADER_BYTES));
          if (typeof known !== 'number') return { actions, violation: known };
          if (known > HEADER_BYTES) {
            this.unitBytes = known;
            continue;
          }
        }
        unit = this.assembly.subarray(0, this.unitBytes);
        this.partialBytes = 0;
        this.unitBytes = HEADER_BYTES;
      }
      // An assembled unit goes on as a view of the reused buffer only when nothing keeps its bytes
      // past this chunk: a raw delivery's transfer, which rhea and the producer link copy out as they
      // read it (landing.ts, sender-link.ts), and not while frames may wait for the SASL outcome.
      if (unitStart < 0) {
        if (this.pushesSinceHandover > 1 && this.rawTransfer(unit)) [this.assembly, this.spare] = [this.spare, this.assembly];
        else unit = Buffer.from(unit);
      }
      const outcome = this.inspect(unit);
      if (outcome.violation) {
        flushRun(unitStart >= 0 ? unitStart : position);
        return { actions, violation: outcome.violation };
      }
      if (outcome.handover) {
        this.pushesSinceHandover = 0;
        flushRun(unitStart >= 0 ? unitStart : position);
        actions.push({ kind: 'sasl-handover' });
      }
      if (outcome.action === undefined) {
        if (unitStart >= 0) {
          if (runStart < 0) runStart = unitStart;
        } else {
          actions.push({ kind: 'forward', bytes: unit });
        }
        continue;
      }
      flushRun(unitStart >= 0 ? unitStart : position);
      actions.push(outcome.action);
    }
    flushRun(position);
    // Nothing held: a connection that goes quiet between frames keeps no assembly memory (a unit
    // handed on as a view stays alive through that view until rhea is done with it).
    if (this.partialBytes === 0 && this.assembly.length + this.spare.length > 0) {
      pool.give(this.assembly);
      pool.give(this.spare);
      this.assembly = this.spare = EMPTY;
    }
    return { actions };
  }

  private hold(bytes: Buffer, size: number): void {
    // Copied: a few bytes of a large socket chunk must not keep the whole chunk alive.
    this.unitBytes = size;
    this.partialBytes = 0;
    this.assemble(bytes, 0, bytes.length);
  }

  /** Appends `chunk[from, from + length)` to the unit being assembled (at most max-frame-size, checked by unitSize). */
  private assemble(chunk: Buffer, from: number, length: number): void {
    if (this.assembly.length < this.unitBytes) {
      // One size (the default max-frame-size) serves every frame of a stream, so pooled buffers fit.
      const larger = pool.take(Math.max(this.unitBytes, Math.min(ASSEMBLY_BYTES, this.limits.maxFrameSize)));
      this.assembly.copy(larger, 0, 0, this.partialBytes);
      pool.give(this.assembly);
      this.assembly = larger;
    }
    this.partialBytes += chunk.copy(this.assembly, this.partialBytes, from, from + length);
  }

  /** Whether this whole AMQP frame is a transfer of a delivery with a non-zero message format (anything malformed: false). */
  private rawTransfer(unit: Buffer): boolean {
    if (unit.length <= HEADER_BYTES || unit[5] !== 0) return false;
    try {
      const bodyStart = unit[4]! * 4;
      const performative = describedAt(unit, bodyStart, unit.length);
      if (!performative) return false;
      const code = typeof performative.descriptor === 'string' ? PERFORMATIVE_NAMES[performative.descriptor] : performative.descriptor;
      if (code !== PERFORMATIVE.transfer) return false;
      const fields = listElements(unit, performative.valueAt, walkValue(unit, bodyStart, unit.length));
      const handle = fields && readUintField(unit, fields[0]);
      const format = fields && readUintField(unit, fields[3]);
      return typeof handle === 'number' && format !== undefined && this.transfers.isRaw(unit.readUInt16BE(6), handle, format);
    } catch (error) {
      if (error instanceof AmqpStructureError) return false;
      throw error;
    }
  }

  /** The size of the unit this 8-byte header starts (8 for a protocol header), or a violation. */
  private unitSize(unit: Buffer): number | FrameViolation {
    if (AMQP.every((byte, index) => unit[index] === byte)) {
      const [id, major, minor, revision] = [unit[4], unit[5], unit[6], unit[7]];
      if ((id !== 0 && id !== 3) || major !== 1 || minor !== 0 || revision !== 0) {
        return { phase: 'header', condition: 'amqp:connection:framing-error', description: `unsupported protocol header AMQP ${id} ${major} ${minor} ${revision}; expected AMQP 0 1 0 0 or AMQP 3 1 0 0` };
      }
      return HEADER_BYTES;
    }
    if (this.headers === 0) return { phase: 'header', condition: 'amqp:connection:framing-error', description: 'expected an AMQP protocol header' };
    const size = unit.readUInt32BE(0);
    const dataOffset = unit[4]! * 4;
    const type = unit[5];
    if (size < HEADER_BYTES || size > this.limits.maxFrameSize) return framing(`frame size ${size} is outside 8..${this.limits.maxFrameSize} (max-frame-size)`);
    if (dataOffset < HEADER_BYTES || dataOffset > size) return framing(`frame data offset ${dataOffset} is outside 8..${size}`);
    if (type !== 0 && type !== 1) return framing(`unknown frame type ${type}`);
    return size;
  }

  /** Checks one whole unit; `action` set when it is not simply forwarded, `handover` when it opens the AMQP layer after SASL. */
  private inspect(unit: Buffer): { violation?: FrameViolation; action?: GuardAction; handover?: boolean } {
    if (unit.length === HEADER_BYTES && AMQP.every((byte, index) => unit[index] === byte)) {
      this.headers++;
      const handover = this.inSaslLayer && unit[4] === 0;
      this.inSaslLayer = unit[4] === 3;
      return handover ? { handover } : {};
    }
    const bodyStart = unit[4]! * 4;
    if (bodyStart === unit.length) return {}; // an empty frame: a heartbeat
    try {
      const performativeEnd = walkValue(unit, bodyStart, unit.length);
      const performative = describedAt(unit, bodyStart, unit.length);
      if (!performative) return { violation: decode('a frame body must start with a described performative') };
      if (unit[5] !== 0) return {}; // SASL: structure was all there was to check
      const code = typeof performative.descriptor === 'string' ? PERFORMATIVE_NAMES[performative.descriptor] : performative.descriptor;
      if (code === undefined || !Object.values(PERFORMATIVE).includes(code as never)) return {};
      if (code === PERFORMATIVE.open) {
        const problem = openProblem(unit, performative.valueAt, performativeEnd);
        return problem ? { violation: { phase: 'frames', ...problem } } : {};
      }
      const channel = unit.readUInt16BE(6);
      if (code === PERFORMATIVE.begin) {
        const refused = this.open.begin(channel);
        return refused ? { violation: overLimit(refused) } : {};
      }
      if (code === PERFORMATIVE.end) {
        this.transfers.forgetChannel(channel);
        this.open.end(channel);
        return {};
      }
      const fields = listElements(unit, performative.valueAt, performativeEnd);
      if (!fields) return { violation: decode('a performative must be a list') };
      const handle = readUintField(unit, fields[code === PERFORMATIVE.attach ? 1 : 0]);
      if (typeof handle !== 'number') return { violation: decode('a link handle must be a uint') };
      if (code === PERFORMATIVE.attach) {
        const refused = this.open.attach(channel, handle);
        if (refused) return { violation: overLimit(refused) };
      }
      if (code !== PERFORMATIVE.transfer) {
        if (code === PERFORMATIVE.detach) this.open.detach(channel, handle);
        this.transfers.forgetLink(channel, handle);
        return {};
      }
      return this.transfer(unit, channel, handle, fields, performativeEnd);
    } catch (error) {
      if (error instanceof AmqpStructureError) return { violation: decode(error.message) };
      throw error;
    }
  }

  private transfer(unit: Buffer, channel: number, handle: number, fields: number[], performativeEnd: number): { violation?: FrameViolation; action?: GuardAction } {
    const deliveryId = readUintField(unit, fields[1]);
    const format = readUintField(unit, fields[3]);
    const more = readBooleanField(unit, fields[5]);
    const aborted = readBooleanField(unit, fields[9]);
    if (deliveryId === undefined || format === undefined || more === undefined || aborted === undefined) {
      return { violation: decode('a transfer field has the wrong type') };
    }
    const verdict = this.transfers.onTransfer({
      channel,
      handle,
      deliveryId,
      format,
      more: more === true,
      aborted: aborted === true,
      payload: unit.subarray(performativeEnd),
      frameBytes: unit.length,
    });
    if (verdict.kind === 'forward') return {};
    if (verdict.kind === 'drop') return { action: { kind: 'dropped', channel, deliveryId } };
    if (verdict.kind === 'oversize') return { action: { kind: 'oversize', channel, handle, deliveryId, description: verdict.description } };
    return { violation: { phase: 'frames', condition: verdict.condition, description: verdict.description } };
  }
}
