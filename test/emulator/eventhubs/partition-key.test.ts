import { expect, test } from 'vitest';
import { hashPartitionKey, partitionForKey } from '../../../src/emulator/eventhubs/partition-key.js';
// The SDK's own client-side mapper (EventHubBufferedProducerClient); not a public export.
import * as sdkMapper from '../../../node_modules/@azure/event-hubs/dist/esm/impl/partitionKeyToIdMapper.js';

const keys = ['', 'a', 'ab', 'abc', '1234', 'abcdefghijkl', 'abcdefghijklm', 'clé-é-ü', 'x'.repeat(100), 'device-42'];
for (let i = 0; i < 500; i++) keys.push(`key-${i}-${'z'.repeat(i % 29)}`);

test('partition-key hash agrees with the SDK client-side mapper for every key', () => {
  const mismatches = keys.filter((key) => sdkMapper.hashPartitionKey(key) !== hashPartitionKey(key));
  expect(mismatches).toEqual([]);
  for (const count of [1, 2, 4, 7, 32]) {
    expect(keys.filter((key) => sdkMapper.mapPartitionKeyToId(key, count) !== partitionForKey(key, count))).toEqual([]);
  }
});
