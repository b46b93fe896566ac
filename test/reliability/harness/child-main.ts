import { startEmulator, type EmulatorOptions } from '../../../src/emulator/start.js';

// The emulator under test, in its own process so a crash, a frozen event loop or a runaway heap
// is observable from outside. Options arrive as JSON in argv[2]; every line the emulator logs
// goes to stdout with a "[log] " prefix, so the suite can search it for secrets. One line
// "READY <json info>" tells the parent where each service listens.

const options = JSON.parse(process.argv[2] ?? '{}') as EmulatorOptions;
const log = (line: string) => process.stdout.write(`[log] ${line}\n`);
for (const name of ['relay', 'webpubsub', 'eventhubs'] as const) {
  const wanted = options[name];
  if (wanted && typeof wanted === 'object') wanted.log = log;
}

const emulator = await startEmulator(options);
process.stdout.write(`READY ${JSON.stringify({ pid: process.pid, info: emulator.info() })}\n`);

// Answers "ping" on stdin with "pong" (a frozen event loop shows up as a missing pong) and
// "stats" with each service's stats() where it has one (hubs held in memory, limit counters).
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  for (const line of text.split('\n')) {
    if (line === 'ping') process.stdout.write('pong\n');
    if (line === 'stats') {
      const stats = Object.fromEntries(
        Object.entries(emulator.services).map(([name, service]) => [name, (service as { stats?: () => unknown }).stats?.() ?? null]),
      );
      process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
    }
  }
});
process.on('SIGTERM', () => {
  void emulator.close().finally(() => process.exit(0));
});
