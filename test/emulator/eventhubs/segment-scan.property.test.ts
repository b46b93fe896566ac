import fc from 'fast-check';
import { expect, test } from 'vitest';
import { encodeRecord, scanSegment } from '../../../src/emulator/eventhubs/log/segment-codec.js';
import type { StoredEvent } from '../../../src/emulator/eventhubs/log/memory-log.js';

// Property: in a segment of records, any single damaged byte costs exactly the record holding it;
// every other record is read back, in order, with its own number.

const RUNS = Number(process.env.RELIABILITY_LONG === '1' ? 20_000 : 300);

const eventsArbitrary = fc.array(
  fc.record({
    message: fc.uint8Array({ minLength: 0, maxLength: 300 }),
    partitionKey: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
  }),
  { minLength: 1, maxLength: 25 },
);

test('one damaged byte anywhere loses only the record that holds it', () => {
  fc.assert(
    fc.property(eventsArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(1000), (inputs, where, mask, firstNumber) => {
      const events: StoredEvent[] = inputs.map((input, i) => ({
        sequenceNumber: firstNumber + i,
        offset: i * 1000,
        enqueuedTime: 1_700_000_000_000 + i,
        message: input.message,
        ...(input.partitionKey !== undefined ? { partitionKey: input.partitionKey } : {}),
      }));
      const records = events.map(encodeRecord);
      const data = Buffer.concat(records);
      const position = where % data.length;
      data[position] = data[position]! ^ mask;
      let end = 0;
      const damagedIndex = records.findIndex((record) => (end += record.length) > position);
      const scan = scanSegment(data, firstNumber - 1);
      expect(scan.events.map((event) => event.sequenceNumber)).toEqual(
        events.filter((_, i) => i !== damagedIndex).map((event) => event.sequenceNumber),
      );
      for (const event of scan.events) expect(event).toEqual(events[event.sequenceNumber - firstNumber]);
    }),
    { numRuns: RUNS },
  );
});
