import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, test } from 'vitest';

// Short form of scripts/durability-soak.mjs (the long form, 10 kills, runs in `npm run test:reliability`):
// @azure/event-hubs produces to the built CLI with --data-dir, the process is SIGKILLed twice at a
// random moment, and after each restart every acknowledged event is read back in order with a
// stable, unique sequence number.

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/durability-soak.mjs', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/emulator/cli.js', import.meta.url));

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('dist/emulator/cli.js is missing: run `npm run build` first (npm test does)');
});

test('two SIGKILLs mid-stream lose no acknowledged event', { timeout: 60_000 }, async () => {
  // The soak exits 1 when a run failed; keep its output either way, it is the diagnosis.
  const { stdout, stderr } = await run(process.execPath, [script, '--runs', '2', '--min-ms', '200', '--max-ms', '800'], { timeout: 55_000 }).catch(
    (error: { stdout?: string; stderr?: string; message: string }) => ({ stdout: error.stdout ?? '', stderr: `${error.message}\n${error.stderr ?? ''}` }),
  );
  const output = `${stdout}\n${stderr}`;
  const runs = stdout.split('\n').filter((line) => line.startsWith('run '));
  expect(runs, output).toHaveLength(2);
  for (const line of runs) {
    expect(Number(/(\d+) acknowledged this run/.exec(line)![1]), output).toBeGreaterThan(0); // a kill mid-stream, not before it
    expect(line, output).toContain('lost 0, reordered 0, renumbered 0, reused numbers 0');
  }
  expect(stdout, output).toContain('durability: 2 passed, 0 failed');
});
