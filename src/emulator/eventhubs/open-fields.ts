import { listElements, readUintField } from './amqp-structure.js';

// The peer's `open` fields the emulator's own sending depends on (AMQP 1.0 §2.7.1). rhea splits
// every outgoing message into pieces of (peer max-frame-size − 50 − tag length) bytes and never
// checks that value: an open whose max-frame-size was `true`, or a uint below 50, made that piece
// size negative, and its split loop then pushed slices for ever (heap exhaustion of the whole
// process in ~30 s, from the first message sent back, e.g. a $cbs answer).

/** AMQP 1.0 §2.7.1: MIN-MAX-FRAME-SIZE; no peer may offer less. */
export const MIN_MAX_FRAME_SIZE = 512;

const MAX_FRAME_SIZE_FIELD = 2;

/** Why this `open` list (`valueAt`..`end` in `unit`) is refused, or undefined when it is acceptable. */
export function openProblem(unit: Buffer, valueAt: number, end: number): { condition: string; description: string } | undefined {
  const fields = listElements(unit, valueAt, end);
  if (!fields) return { condition: 'amqp:decode-error', description: 'a performative must be a list' };
  const maxFrameSize = readUintField(unit, fields[MAX_FRAME_SIZE_FIELD]);
  if (maxFrameSize === undefined) return { condition: 'amqp:decode-error', description: 'open: max-frame-size must be a uint' };
  if (maxFrameSize !== null && maxFrameSize < MIN_MAX_FRAME_SIZE) {
    return { condition: 'amqp:invalid-field', description: `open: max-frame-size ${maxFrameSize} is below the minimum ${MIN_MAX_FRAME_SIZE}` };
  }
  return undefined;
}
