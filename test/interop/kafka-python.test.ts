import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startKafkaEmulator, type KafkaTarget } from './kafka-helpers.js';

// kafka-python, a fourth client family (pure Python, old protocol versions: Metadata v1, Fetch v4,
// JoinGroup v0–v2, OffsetCommit v2), from Debian's python3-kafka (installed by .ci/run; missing, the test fails).

const run = promisify(execFile);
const script = new URL('./kafka-python-client.py', import.meta.url).pathname;

let target: KafkaTarget;
beforeAll(async () => {
  target = await startKafkaEmulator();
});
afterAll(async () => {
  await target?.emulator.close();
});

async function python<T>(args: Record<string, unknown>): Promise<T> {
  const { stdout } = await run('/usr/bin/python3', [script, JSON.stringify({ bootstrap: target.bootstrapServers, username: target.username, password: target.password, ...args })], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

test('kafka-python produces gzip batches, consumes them in a group and commits', async () => {
  const result = await python<{ seen: unknown[]; committed: number }>({ command: 'roundtrip', topic: 'audit', group: 'kafka-python' });
  expect(result.seen).toEqual([
    [0, 0, 'py', 'v0', { n: '0' }],
    [0, 1, 'py', 'v1', { n: '1' }],
    [0, 2, 'py', 'v2', { n: '2' }],
  ]);
  expect(result.committed).toBe(3);
});

test('kafka-python with a wrong password is refused', async () => {
  const { error } = await python<{ error: string | null }>({ command: 'wrong_password', password: target.password.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=d3Jvbmc=') });
  expect(error).toMatch(/Authentication|SASL|NoBrokersAvailable/i);
});
