import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEmulatorChild } from '../../scripts/emulator-child.mjs';

// The built CLI as a user runs it for namespace-style hosting: `--namespace` + `--cert-out` write
// the emulator CA, name it in the --json line, and a restart on the same --data-dir keeps the CA.

const cli = fileURLToPath(new URL('../../dist/emulator/cli.js', import.meta.url));
const directories: string[] = [];

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('dist/emulator/cli.js is missing: run `npm run build` first (npm test does)');
});
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

function verifiedAs(port: number, servername: string, ca: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca }, () => {
      resolve(socket.authorized);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

test('--namespace --cert-out: the --json line names the CA file, which verifies the namespace name, and stays across restarts', { timeout: 60_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cli-tls-'));
  directories.push(dataDir);
  const certOut = join(dataDir, 'out', 'emulator-ca.pem');
  const args = ['--eventhubs-port', '0', '--namespace', 'contoso', '--data-dir', dataDir, '--cert-out', certOut];
  const cas: string[] = [];
  for (let start = 0; start < 2; start++) {
    const emulator = startEmulatorChild(args, { cli });
    try {
      const info = (await emulator.ready) as { eventhubs: { connectionString: string }; tls: { caFile: string; hostNames: string[] } };
      expect(info.tls).toEqual({ caFile: certOut, hostNames: ['contoso.servicebus.windows.net', 'contoso.webpubsub.azure.com'] });
      const ca = await readFile(info.tls.caFile, 'utf8');
      expect(new X509Certificate(ca).ca).toBe(true);
      expect(ca).not.toContain('PRIVATE KEY');
      const port = Number(/Endpoint=sb:\/\/127\.0\.0\.1:(\d+)/.exec(info.eventhubs.connectionString)![1]);
      expect(await verifiedAs(port, 'contoso.servicebus.windows.net', ca)).toBe(true);
      cas.push(ca);
    } finally {
      await emulator.kill('SIGTERM');
    }
  }
  expect(cas[1]).toBe(cas[0]);
});
