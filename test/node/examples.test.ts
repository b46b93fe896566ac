import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayEmulator } from '../../src/emulator/relay/index.js';
import type { RunningService } from '../../src/emulator/types.js';

// The quickstart ports in examples/ are run as a user runs them (bundled, then `node`), so they
// cannot rot silently. Each example starts or is given its own emulator.
const root = new URL('../..', import.meta.url).pathname;
// Outside node_modules, so the bundles resolve `azure-realtime` (the built package) by its own name.
const outDir = join(root, 'test-output/examples');

async function bundle(name: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}.mjs`);
  await esbuild.build({ entryPoints: [join(root, 'examples', `${name}.ts`)], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'error' });
  return outfile;
}

function run(file: string, args: string[] = [], timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not finish in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

// Each case bundles and runs a process that talks to a real emulator (eventhubs-receive alone waits
// 5 s for a second consumer to find nothing): a loaded machine takes more than the 20 s default.
describe('examples', { timeout: 60_000 }, () => {
  it('eventhubs-send.ts sends a batch of three to the in-process emulator', async () => {
    const { code, output } = await run(await bundle('eventhubs-send'));
    expect(output).toContain('sent a batch of 3 events to eh1');
    expect(output).toMatch(/partition \d: last sequence number 2/);
    expect(code).toBe(0);
  });

  it('eventhubs-receive.ts receives with a blob checkpoint store and a second consumer resumes after it', async () => {
    const { code, output } = await run(await bundle('eventhubs-receive'));
    expect(output).toContain('received "Third event"');
    expect(output).toContain('first consumer received 3 events; the second 0');
    expect(code).toBe(0);
  });

  it('webpubsub-service.ts runs every service call of the Python quickstart', async () => {
    const { code, output } = await run(await bundle('webpubsub-service'));
    expect(output).toMatch(/subscriber received \d+ messages, then the hub closed it/);
    expect(code).toBe(0);
  });

  describe('relay quickstart listener and sender', () => {
    let emulator: RunningService;
    let listener: ChildProcess | undefined;
    let config: string;

    beforeAll(async () => {
      emulator = await startRelayEmulator({ port: 0 });
      config = join(outDir, 'relay-config.json');
      mkdirSync(outDir, { recursive: true });
      writeFileSync(
        config,
        JSON.stringify({ namespace: `127.0.0.1:${emulator.port}`, path: 'hyco', keyrule: 'RootManageSharedAccessKey', key: 'YXp1cmUtcmVhbHRpbWUtZW11bGF0b3Ita2V5LTAwMDA=', useDevelopmentEmulator: true }),
      );
    });

    afterAll(async () => {
      listener?.kill('SIGTERM');
      await emulator?.close();
    });

    it('the sender gets its messages echoed and an HTTP answer', async () => {
      const [listenerFile, senderFile] = await Promise.all([bundle('relay-listener'), bundle('relay-sender')]);
      listener = spawn(process.execPath, [listenerFile, config], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let listenerOutput = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`listener not online:\n${listenerOutput}`)), 20_000);
        listener!.stdout!.on('data', (chunk) => {
          listenerOutput += chunk;
          if (listenerOutput.includes('online')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const { code, output } = await run(senderFile, [config, 'first', 'second']);
      expect(output).toMatch(/reply: .*first/);
      expect(output).toMatch(/reply: .*second/);
      expect(output).toMatch(/HTTP 200: Hello from the listener/);
      expect(code).toBe(0);
    });
  });
});
