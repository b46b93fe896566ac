import { startEventHubsEmulator, type EventHubsEmulatorOptions, type RunningEventHubsEmulator } from '../../src/emulator/eventhubs/index.js';

// Shared by the Kafka interop tests: an Event Hubs emulator with its Kafka endpoint on a free port.

export interface KafkaTarget {
  emulator: RunningEventHubsEmulator;
  bootstrapServers: string;
  username: string;
  password: string;
}

export async function startKafkaEmulator(options: EventHubsEmulatorOptions = {}): Promise<KafkaTarget> {
  const emulator = await startEventHubsEmulator({
    config: { hubs: [{ name: 'orders', partitionCount: 3 }, { name: 'audit', partitionCount: 2 }] },
    kafkaPort: 0,
    ...options,
  });
  const kafka = emulator.info().kafka!;
  return { emulator, bootstrapServers: kafka.bootstrapServers, username: kafka.saslUsername, password: kafka.saslPassword };
}

export async function waitFor<T>(read: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
