import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../src/emulator/webpubsub/index.js';

// Python peers (issue 11): Microsoft's azure-messaging-webpubsubservice 1.1.0b1 (Debian python3-azure)
// makes every service call it has, and Python `websockets` clients on each of the four subprotocols
// (frames per Microsoft's protocol references, protobuf encoded by hand in Python) check delivery.
// The scripts print one JSON line per check; every check must pass.

const SCRIPTS = fileURLToPath(new URL('./python/', import.meta.url));
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const SUBPROTOCOLS = ['json.webpubsub.azure.v1', 'json.reliable.webpubsub.azure.v1', 'protobuf.webpubsub.azure.v1', 'protobuf.reliable.webpubsub.azure.v1'];
const EXPECTED_CHECKS = 15;

interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

let emulator: RunningWebPubSubEmulator;

beforeAll(async () => {
  emulator = await startWebPubSubEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

function runPython(script: string, args: string[]): Promise<{ checks: Check[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, [script, ...args], { cwd: SCRIPTS, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (_error, stdout, stderr) => {
      const checks = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Check);
      resolve({ checks, stderr });
    });
  });
}

describe('Python azure-messaging-webpubsubservice + websockets against the Web PubSub emulator', () => {
  it.each(SUBPROTOCOLS)('every service call, delivered to %s clients', async (subprotocol) => {
    const hub = `py_${subprotocol.replace(/\./g, '_')}`;
    const { checks, stderr } = await runPython('webpubsub_service_calls.py', [emulator.connectionString, subprotocol, hub]);
    const failed = checks.filter((c) => !c.ok);
    expect(failed, `failed checks (stderr: ${stderr.slice(-1500)})`).toEqual([]);
    expect(checks.map((c) => c.check)).toHaveLength(EXPECTED_CHECKS);
  });
});
