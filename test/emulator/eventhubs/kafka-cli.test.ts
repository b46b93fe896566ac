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

test('the built CLI with --kafka-port 0 --json names eventhubs.kafka and serves Kafka there', async () => {
  const { spawn } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const { Kafka, logLevel } = await import('kafkajs');
  const cli = new URL('../../../dist/emulator/cli.js', import.meta.url).pathname;
  if (!existsSync(cli)) throw new Error('dist/emulator/cli.js is missing: run `npm run build` first (npm test does)');
  const child = spawn(process.execPath, [cli, 'emulator', '--json', '--eventhubs-port', '0', '--kafka-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`CLI exited ${code} before printing`)));
    });
    const kafka = (JSON.parse(line) as { eventhubs: { kafka: { bootstrapServers: string; saslUsername: string; saslPassword: string } } }).eventhubs.kafka;
    expect(kafka.saslUsername).toBe('$ConnectionString');
    const admin = new Kafka({
      brokers: [kafka.bootstrapServers],
      sasl: { mechanism: 'plain', username: kafka.saslUsername, password: kafka.saslPassword },
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    expect(await admin.listTopics()).toEqual(['eh1']);
    await admin.disconnect();
  } finally {
    if (child.exitCode === null) {
      const exit = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exit;
    }
  }
});
