import type { Connection } from 'rhea';

// Every performative we send carries its full field list, as the service's AMQP stack
// (Microsoft.Azure.Amqp, https://github.com/Azure/azure-amqp) writes them: null where unset,
// never a list cut short. rhea drops trailing nulls; pyamqp (azure-eventhub for Python) reads
// fields by position (`handle_max = frame[4]`, a transfer's payload at index 11, an error's
// `info` at [2]) and fails on a short list. docs/protocol/eventhubs.md §2.

/** Field counts by descriptor code (AMQP 1.0 §2.7 and §2.8.14). */
export const PERFORMATIVE_FIELDS: Readonly<Record<number, { name: string; fields: number }>> = {
  0x10: { name: 'open', fields: 10 },
  0x11: { name: 'begin', fields: 8 },
  0x12: { name: 'attach', fields: 14 },
  0x13: { name: 'flow', fields: 11 },
  0x14: { name: 'transfer', fields: 11 },
  0x15: { name: 'disposition', fields: 6 },
  0x16: { name: 'detach', fields: 3 },
  0x17: { name: 'end', fields: 1 },
  0x18: { name: 'close', fields: 1 },
};

const ERROR_DESCRIPTOR = 0x1d;
const ERROR_FIELDS = 3;
const BEGIN_HANDLE_MAX = 4;
const ATTACH_PROPERTIES = 13;

/**
 * handle-max the service announces in `begin`: Microsoft.Azure.Amqp's AmqpSessionSettings uses
 * DefaultMaxLinkHandles - 1 = 256 * 1024 - 1 (its AmqpConstants). Taken from that library's
 * source, not from a capture of the service [U].
 */
export const SESSION_HANDLE_MAX = 256 * 1024 - 1;

/** The shape of a rhea performative (a composite) before it is encoded. */
interface Composite {
  value: unknown[];
  constructor: { descriptor?: { numeric?: number } };
}

/** A described list already wrapped by rhea (e.g. an `error` set on detach/end/close). */
interface DescribedList {
  descriptor?: { value?: unknown };
  value?: unknown;
}

interface TypesModule {
  wrap_uint(value: number): unknown;
  wrap_symbolic_map(value: Record<string, unknown>): unknown;
}

function padError(field: unknown): void {
  const described = field as DescribedList | undefined;
  if (!described || Number(described.descriptor?.value) !== ERROR_DESCRIPTOR) return;
  if (Array.isArray(described.value) && described.value.length > 0 && described.value.length < ERROR_FIELDS) {
    described.value.length = ERROR_FIELDS; // holes are written as AMQP null
  }
}

/** Pads one performative in place; exported for the unit test. */
export function padPerformative(frame: unknown, types: TypesModule): void {
  const composite = frame as Composite | undefined;
  const code = composite?.constructor?.descriptor?.numeric;
  const spec = code === undefined ? undefined : PERFORMATIVE_FIELDS[code];
  if (!spec || !Array.isArray(composite!.value)) return;
  const value = composite!.value;
  if (spec.name === 'begin' && (value[BEGIN_HANDLE_MAX] === undefined || value[BEGIN_HANDLE_MAX] === null)) {
    value[BEGIN_HANDLE_MAX] = types.wrap_uint(SESSION_HANDLE_MAX);
  }
  // An attach answer always carries a properties map: pyamqp merges it into the map its own
  // link sent (`properties.update(frame[13])`), which fails on null.
  if (spec.name === 'attach' && (value[ATTACH_PROPERTIES] === undefined || value[ATTACH_PROPERTIES] === null)) {
    value[ATTACH_PROPERTIES] = types.wrap_symbolic_map({});
  }
  if (value.length < spec.fields) value.length = spec.fields;
  for (const field of value) padError(field);
}

interface PendingLink {
  state: { open_requests: number; need_open(): boolean };
  local: { attach: unknown };
  session: { output(frame: unknown): void };
}

interface SessionHandles {
  local: { handles: Record<number, PendingLink | undefined> };
}

const TRANSFER = 0x14;
const FLOW = 0x13;
const DETACH = 0x16;
const HANDLE_INDEX: Readonly<Record<number, number>> = { [TRANSFER]: 0, [FLOW]: 4, [DETACH]: 0 };

/**
 * rhea writes a session's queued transfers before its links' pending attaches, so a transfer
 * queued in the tick its link was attached (the client sent attach and flow together) went
 * out before our attach, and a strict peer fails ("Invalid handle"). Here a frame naming a
 * handle whose attach is still pending pulls that attach out first: nothing on a link
 * precedes its attach, and the order of everything else (transfer ids) stays as it was.
 */
function attachFirst(connection: Connection, channel: number, frame: unknown): void {
  const code = (frame as Composite | undefined)?.constructor?.descriptor?.numeric;
  const index = code === undefined ? undefined : HANDLE_INDEX[code];
  if (index === undefined) return;
  const handle = (frame as { handle?: unknown }).handle;
  if (typeof handle !== 'number') return;
  const sessions = (connection as unknown as { local_channel_map: Record<number, SessionHandles | undefined> }).local_channel_map;
  const link = sessions[channel]?.local.handles[handle];
  if (link && link.state.open_requests > 0 && link.state.need_open()) link.session.output(link.local.attach);
}

/** Routes every frame this connection writes through {@link attachFirst} and {@link padPerformative}. */
export function sendFullPerformatives(connection: Connection, types: TypesModule): void {
  const writer = connection as unknown as { _write_frame(channel: number, frame: unknown, payload?: unknown): void };
  const original = writer._write_frame;
  writer._write_frame = function (channel, frame, payload) {
    attachFirst(connection, channel, frame);
    padPerformative(frame, types);
    original.call(this, channel, frame, payload);
  };
}
