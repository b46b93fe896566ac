import { createRequire } from 'node:module';
import rhea from 'rhea';
import { expect, test } from 'vitest';
import { padPerformative, PERFORMATIVE_FIELDS, SESSION_HANDLE_MAX } from '../../../src/emulator/eventhubs/full-frames.js';

// Every performative leaves with its full field list (pyamqp reads fields by position); the
// interop proof is test/interop/python-eventhubs.test.ts, this pins the shapes without Python.

type Performative = { value: unknown[]; described(): unknown } & Record<string, unknown>;
const frames = createRequire(import.meta.url)('rhea/lib/frames.js') as Record<string, (fields: Record<string, unknown>) => Performative>;
/** rhea's codec, present at runtime but not in its typings. */
const codec = rhea.types as unknown as {
  Reader: new (buffer: Buffer) => { read(): unknown };
  Writer: new () => { write(value: unknown): void; toBuffer(): Buffer };
};

const minimal: Record<string, Record<string, unknown>> = {
  open: { container_id: 'emulator' },
  begin: { next_outgoing_id: 0, incoming_window: 10, outgoing_window: 10 },
  attach: { name: 'link', handle: 0, role: false },
  flow: { incoming_window: 10, next_outgoing_id: 0, outgoing_window: 10 },
  transfer: { handle: 0, delivery_id: 0, delivery_tag: Buffer.from([0]), message_format: 0, settled: true },
  disposition: { role: true, first: 0 },
  detach: { handle: 0, closed: true, error: { condition: 'amqp:not-found', description: 'gone' } },
  end: {},
  close: {},
};

test('every performative is padded to its full field count; begin names handle-max, attach a properties map, an error all three fields', () => {
  for (const { name, fields } of Object.values(PERFORMATIVE_FIELDS)) {
    const frame = frames[name]!(minimal[name]!);
    padPerformative(frame, rhea.types as never);
    expect(frame.value.length, name).toBe(fields);
    // What goes on the wire: the list's count as a peer decodes it.
    const decoded = new codec.Reader(Buffer.from(encode(frame))).read() as { value: unknown[] };
    expect(decoded.value.length, `${name} on the wire`).toBe(fields);
    if (name === 'begin') expect(frame.handle_max).toBe(SESSION_HANDLE_MAX);
    if (name === 'attach') expect(frame.properties).toEqual({});
    if (name === 'detach') expect((frame.value[2] as { value: unknown[] }).value.length).toBe(3);
  }
});

test('fields already set are kept', () => {
  const begin = frames.begin!({ ...minimal.begin, handle_max: 7 });
  padPerformative(begin, rhea.types as never);
  expect(begin.handle_max).toBe(7);
  const attach = frames.attach!({ ...minimal.attach, properties: { 'com.microsoft:producer-id': 1 } });
  padPerformative(attach, rhea.types as never);
  expect(attach.properties).toEqual({ 'com.microsoft:producer-id': 1 });
});

function encode(frame: { described(): unknown }): Buffer {
  const writer = new codec.Writer();
  writer.write(frame.described());
  return writer.toBuffer();
}
