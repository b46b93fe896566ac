import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, parseCliArgs } from '../../src/emulator/cli-args.js';

const noConfig = () => {
  throw new Error('no config expected');
};

describe('emulator CLI arguments', () => {
  it('starts all three on their default ports when no port flag is given', () => {
    const { options, json } = parseCliArgs([], noConfig);
    expect(json).toBe(false);
    expect(options).toEqual({ relay: { port: DEFAULT_PORTS.relay }, webpubsub: { port: DEFAULT_PORTS.webpubsub }, eventhubs: { port: DEFAULT_PORTS.eventhubs } });
  });

  it('starts only the services named, with port 0 meaning a free port', () => {
    const { options, json } = parseCliArgs(['--relay-port', '0', '--json', '--host', '0.0.0.0'], noConfig);
    expect(json).toBe(true);
    expect(options).toEqual({ relay: { port: 0, host: '0.0.0.0' } });
  });

  it('hands config sections, data dir and azurite to the right service', () => {
    const config = { relay: { autoCreate: false }, eventhubs: { hubs: [] } };
    const { options } = parseCliArgs(['--config', 'x.json', '--data-dir', '/tmp/eh', '--azurite'], () => config);
    expect(options.relay).toEqual({ port: DEFAULT_PORTS.relay, config: config.relay });
    expect(options.eventhubs).toEqual({ port: DEFAULT_PORTS.eventhubs, config: config.eventhubs, dataDir: '/tmp/eh', azurite: true });
  });

  it("routes Microsoft's Event Hubs Config.json to Event Hubs and refuses sections it does not know", () => {
    const microsoft = { UserConfig: { NamespaceConfig: [{ Type: 'EventHub', Name: 'emulatorNs1', Entities: [{ Name: 'eh1', PartitionCount: '2' }] }] } };
    const { options } = parseCliArgs(['--config', 'Config.json'], () => microsoft);
    expect(options.eventhubs).toEqual({ port: DEFAULT_PORTS.eventhubs, config: microsoft });
    expect(options.relay).toEqual({ port: DEFAULT_PORTS.relay });
    expect(() => parseCliArgs(['--config', 'x.json'], () => ({ kafka: {} }))).toThrow(/relay, webpubsub or eventhubs, got "kafka"/);
    expect(() => parseCliArgs(['--config', 'x.json'], () => [])).toThrow(TypeError);
  });

  it('passes the relay rendezvous port, a number or "same"', () => {
    expect(parseCliArgs(['--relay-port', '0', '--relay-rendezvous-port', 'same'], noConfig).options.relay).toEqual({ port: 0, rendezvousPort: 'same' });
    expect(parseCliArgs(['--relay-port', '0', '--relay-rendezvous-port', '7381'], noConfig).options.relay).toEqual({ port: 0, rendezvousPort: 7381 });
    expect(() => parseCliArgs(['--relay-rendezvous-port', 'other'], noConfig)).toThrow(/--relay-rendezvous-port/);
  });

  it('rejects bad ports and stray arguments with "expected … got …"', () => {
    expect(() => parseCliArgs(['--relay-port', '70000'], noConfig)).toThrow(/expected --relay-port to be a port 0-65535, got "70000"/);
    expect(() => parseCliArgs(['--relay-port', 'abc'], noConfig)).toThrow(RangeError);
    expect(() => parseCliArgs(['stray'], noConfig)).toThrow(/expected no positional arguments/);
    expect(() => parseCliArgs(['--bogus'], noConfig)).toThrow();
  });

  it('passes --fsync on to Event Hubs and names every policy when refusing one', () => {
    for (const policy of ['interval', 'batch', 'always', 'never']) {
      expect(parseCliArgs(['--eventhubs-port', '0', '--data-dir', '/tmp/eh', '--fsync', policy], noConfig).options.eventhubs).toMatchObject({ fsync: policy });
    }
    expect(() => parseCliArgs(['--fsync', 'sometimes'], noConfig)).toThrow(/expected --fsync to be one of interval, batch, always, never, got "sometimes"/);
  });
});

// The built CLI, as a user runs it (npm test builds first).
const cli = new URL('../../dist/emulator/cli.js', import.meta.url).pathname;

describe('built CLI --json', () => {
  beforeAll(() => {
    if (!existsSync(cli)) throw new Error('dist/emulator/cli.js is missing: run `npm run build` first (npm test does)');
  });

  it('prints one JSON line with a connection string per running service, then stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [cli, 'emulator', '--json', '--relay-port', '0', '--webpubsub-port', '0', '--eventhubs-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no JSON line within 20 s; stderr: ${stderr}`)), 20_000);
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('\n')) {
          clearTimeout(timer);
          resolve(stdout.split('\n')[0]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before printing; stderr: ${stderr}`)));
    });
    const info = JSON.parse(line) as Record<string, { connectionString: string }>;
    expect(Object.keys(info).sort()).toEqual(['eventhubs', 'relay', 'webpubsub']);
    for (const [name, service] of Object.entries(info)) {
      expect(['relay', 'webpubsub', 'eventhubs']).toContain(name);
      expect(service.connectionString).toMatch(/^Endpoint=(sb|http):\/\/127\.0\.0\.1:\d+/);
    }
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
