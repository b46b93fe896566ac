import type { PartitionLog } from './log/memory-log.js';

// The receiver's start position: the `apache.org:selector-filter:string` source filter
// (docs/protocol/eventhubs.md §6.1–6.2), e.g. `amqp.annotation.x-opt-offset > '-1'`. The SDK writes `>` or `>=` and
// single-quoted values; `=` is accepted as inclusive too. Offsets are byte positions, so any
// offset the emulator handed out (and any number in between) resolves.

export const SELECTOR_FILTER = 'apache.org:selector-filter:string';

export type StartPosition =
  | { kind: 'offset'; value: number | 'earliest' | 'latest'; inclusive: boolean }
  | { kind: 'sequence'; value: number; inclusive: boolean }
  | { kind: 'time'; value: number; inclusive: boolean };

export class FilterError extends Error {
  override readonly name = 'FilterError';
}

const EXPRESSION = /^\s*amqp\.annotation\.x-opt-(offset|sequence-number|enqueued-time)\s*(>=|>|=)\s*'([^']*)'\s*$/i;

export function parseSelector(expression: string): StartPosition {
  const match = EXPRESSION.exec(expression);
  if (!match) {
    throw new FilterError(`The filter expression is not supported: expected amqp.annotation.x-opt-offset|sequence-number|enqueued-time > or >= '<value>'.`);
  }
  const property = match[1]!.toLowerCase();
  const inclusive = match[2] !== '>';
  const raw = match[3]!.trim();
  if (property === 'offset') {
    if (raw === '-1') return { kind: 'offset', value: 'earliest', inclusive };
    if (raw.toLowerCase() === '@latest') return { kind: 'offset', value: 'latest', inclusive };
    if (!/^\d{1,16}$/.test(raw)) throw new FilterError(`The offset '${raw}' is not valid; expected a decimal offset, '-1' or '@latest'.`);
    return { kind: 'offset', value: Number(raw), inclusive };
  }
  if (!/^-?\d{1,16}$/.test(raw)) throw new FilterError(`The value '${raw}' for x-opt-${property} is not a whole number.`);
  return { kind: property === 'sequence-number' ? 'sequence' : 'time', value: Number(raw), inclusive };
}

/** Filter value from the attach source; rhea hands it over described or plain. */
export function selectorFrom(filter: unknown): string | undefined {
  if (!filter || typeof filter !== 'object') return undefined;
  const entry = (filter as Record<string, unknown>)[SELECTOR_FILTER];
  if (typeof entry === 'string') return entry;
  const value = (entry as { value?: unknown } | undefined)?.value;
  return typeof value === 'string' ? value : undefined;
}

/**
 * First sequence number to deliver. A position past the end waits for new events; one before
 * the retained range starts at the oldest retained event (docs/protocol/eventhubs.md §6.2, [U]).
 */
export function resolveStart(position: StartPosition | undefined, log: PartitionLog): number {
  const first = log.firstSequenceNumber;
  if (!position) return first;
  let start: number;
  switch (position.kind) {
    case 'offset':
      if (position.value === 'earliest') start = first;
      else if (position.value === 'latest') start = log.nextSequenceNumber;
      else start = log.seekOffset(position.value, position.inclusive);
      break;
    case 'sequence':
      start = position.inclusive ? position.value : position.value + 1;
      break;
    case 'time':
      start = log.seekTime(position.value, position.inclusive);
      break;
  }
  return Math.max(start, first);
}
