import { expect, test } from 'vitest';
import { parseCliArgs } from '../../../src/emulator/cli-args.js';

const noConfig = () => {
  throw new Error('no config expected');
};

test('--kafka-port starts Event Hubs with its Kafka endpoint; 0 picks a free port', () => {
  expect(parseCliArgs(['--kafka-port', '0'], noConfig).options.eventhubs).toMatchObject({ kafkaPort: 0 });
  const named = parseCliArgs(['--relay-port', '0', '--kafka-port', '9092'], noConfig).options;
  expect(Object.keys(named).sort()).toEqual(['eventhubs', 'relay']);
  expect(named.eventhubs).toMatchObject({ kafkaPort: 9092 });
  expect(() => parseCliArgs(['--kafka-port', '99999'], noConfig)).toThrow(/--kafka-port/);
});

test('kafkaLimits must be positive numbers', async () => {
  const { startEventHubsEmulator } = await import('../../../src/emulator/eventhubs/index.js');
  await expect(startEventHubsEmulator({ kafkaPort: 0, kafkaLimits: { maxRequestBytes: -1 } })).rejects.toThrow(/kafkaLimits.maxRequestBytes/);
});
