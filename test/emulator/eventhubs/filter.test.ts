import { describe, expect, test } from 'vitest';
import { FilterError, parseSelector, resolveStart } from '../../../src/emulator/eventhubs/filter.js';
import { MemoryPartitionLog } from '../../../src/emulator/eventhubs/log/memory-log.js';

// The expressions @azure/event-hubs writes (note §6.2) and where each one starts.

function log(): MemoryPartitionLog {
  const partition = new MemoryPartitionLog();
  for (let n = 0; n < 5; n++) partition.append([{ message: new Uint8Array(10) }], 1_000 * (n + 1));
  return partition;
}

describe('selector filter', () => {
  test.each([
    ["amqp.annotation.x-opt-offset > '-1'", 0],
    ["amqp.annotation.x-opt-offset > '@latest'", 5],
    ["amqp.annotation.x-opt-offset > '20'", 3],
    ["amqp.annotation.x-opt-offset >= '20'", 2],
    ["amqp.annotation.x-opt-offset > '25'", 3],
    ["amqp.annotation.x-opt-sequence-number > '1'", 2],
    ["amqp.annotation.x-opt-sequence-number >= '1'", 1],
    ["amqp.annotation.x-opt-sequence-number = '4'", 4],
    ["amqp.annotation.x-opt-sequence-number > '9'", 10],
    ["amqp.annotation.x-opt-enqueued-time > '2000'", 2],
    ["AMQP.ANNOTATION.X-OPT-ENQUEUED-TIME >= '2000'", 1],
  ])('%s starts at sequence number %i', (expression, start) => {
    expect(resolveStart(parseSelector(expression), log())).toBe(start);
  });

  test('no filter starts at the oldest retained event', () => {
    const partition = log();
    partition.expireBefore(2_500);
    expect(resolveStart(undefined, partition)).toBe(2);
    expect(resolveStart(parseSelector("amqp.annotation.x-opt-sequence-number >= '0'"), partition)).toBe(2);
  });

  test.each([
    "amqp.annotation.x-opt-offset < '5'",
    'amqp.annotation.x-opt-offset > 5',
    "amqp.annotation.x-opt-offset > 'abc'",
    "amqp.annotation.x-opt-sequence-number > '1.5'",
    "sys.something > '1'",
  ])('rejects %s with a FilterError', (expression) => {
    expect(() => parseSelector(expression)).toThrow(FilterError);
  });
});
