import { listElements, readUintField } from './amqp-structure.js';

// The peer's `open` fields the emulator's own sending depends on (AMQP 1.0 §2.7.1). rhea splits
// every outgoing message into pieces of (peer max-frame-size − 50 − tag length) bytes and never
// checks that value: an open whose max-frame-size was `true`, or a uint below 50, made that piece
// size negative, and its split loop then pushed slices for ever (heap exhaustion of the whole
// process in ~30 s, from the first message sent back, e.g. a $cbs answer).

/** AMQP 1.0 §2.7.1: MIN-MAX-FRAME-SIZE; no peer may offer less. */
export const MIN_MAX_FRAME_SIZE = 512;

// rhea also sends an empty frame every (peer idle-time-out / 2) ms without checking the value, so a
// peer asking for 1 ms would have every connection write ~2,000 frames a second. Clients ask for
// 60 s (docs/protocol/eventhubs.md §2); anything under 100 ms is refused as our bound [U]; 0 means
// no timeout (AMQP 1.0 §2.4.5) and is fine.
export const MIN_IDLE_TIME_OUT_MS = 100;

const MAX_FRAME_SIZE_FIELD = 2;
const IDLE_TIME_OUT_FIELD = 4;

/** Why this `open` list (`valueAt`..`end` in `unit`) is refused, or undefined when it is acceptable. */
export function openProblem(unit: Buffer, valueAt: number, end: number): { condition: string; description: string } | undefined {
  const fields = listElements(unit, valueAt, end);
  if (!fields) return { condition: 'amqp:decode-error', description: 'a performative must be a list' };
  const maxFrameSize = readUintField(unit, fields[MAX_FRAME_SIZE_FIELD]);
  if (maxFrameSize === undefined) return { condition: 'amqp:decode-error', description: 'open: max-frame-size must be a uint' };
  if (maxFrameSize !== null && maxFrameSize < MIN_MAX_FRAME_SIZE) {
    return { condition: 'amqp:invalid-field', description: `open: max-frame-size ${maxFrameSize} is below the minimum ${MIN_MAX_FRAME_SIZE}` };
  }
  const idleTimeOut = readUintField(unit, fields[IDLE_TIME_OUT_FIELD]);
  if (idleTimeOut === undefined) return { condition: 'amqp:decode-error', description: 'open: idle-time-out must be a uint' };
  if (idleTimeOut !== null && idleTimeOut > 0 && idleTimeOut < MIN_IDLE_TIME_OUT_MS) {
    return { condition: 'amqp:invalid-field', description: `open: idle-time-out ${idleTimeOut} ms is below the minimum ${MIN_IDLE_TIME_OUT_MS} ms` };
  }
  return undefined;
}
