import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../src/emulator/cli-args.js';
import { DEFAULT_DASHBOARD_PORT } from '../../../src/emulator/dashboard/options.js';

const noConfig = () => {
  throw new Error('no config expected');
};

describe('CLI dashboard flags', () => {
  it('serves the dashboard on its default port (a free one when taken) when no port flag is given', () => {
    expect(parseCliArgs([], noConfig).dashboard).toEqual({ port: DEFAULT_DASHBOARD_PORT, fallbackToFreePort: true });
  });

  it('serves none when ports are named, unless --dashboard-port asks; --no-dashboard turns it off', () => {
    expect(parseCliArgs(['--relay-port', '0'], noConfig).dashboard).toBeUndefined();
    expect(parseCliArgs(['--relay-port', '0', '--dashboard-port', '0'], noConfig).dashboard).toEqual({ port: 0 });
    expect(parseCliArgs(['--no-dashboard'], noConfig).dashboard).toBeUndefined();
    expect(() => parseCliArgs(['--dashboard-port', '99999'], noConfig)).toThrow(/--dashboard-port/);
    expect(() => parseCliArgs(['--dashboard-port', '0', '--no-dashboard'], noConfig)).toThrow(/not both/);
  });
});

const cli = new URL('../../../dist/emulator/cli.js', import.meta.url).pathname;

describe('built CLI with --dashboard-port', () => {
  it('prints the dashboard URL in its --json line, and the page answers there', async () => {
    if (!existsSync(cli)) throw new Error('dist/emulator/cli.js is missing: run `npm run build` first (npm test does)');
    const child = spawn(process.execPath, [cli, 'emulator', '--json', '--relay-port', '0', '--webpubsub-port', '0', '--dashboard-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        const timer = setTimeout(() => reject(new Error('no JSON line within 15 s')), 15_000);
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          if (stdout.includes('\n')) {
            clearTimeout(timer);
            resolve(stdout.split('\n')[0]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code} before printing`)));
      });
      const info = JSON.parse(line) as { dashboard: { url: string } };
      expect(info.dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const picture = (await (await fetch(`${info.dashboard.url}snapshot`)).json()) as { relay: unknown; webpubsub: unknown; eventhubs: unknown };
      expect(picture.relay).not.toBeNull();
      expect(picture.webpubsub).not.toBeNull();
      expect(picture.eventhubs).toBeNull();
    } finally {
      const exit = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exit;
    }
  });
});
