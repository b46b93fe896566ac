// Peak RSS of an Event Hubs emulator child process under three hostile loads (issue 10 #3, #5, #7):
//   bomb     — a 32-byte unauthenticated `open` holding an array that declares 2^32-1 nulls
//   transfer — one never-ending multi-frame delivery on `$cbs`, before any token (MB given by --mb)
//   stalled  — five receivers with credit 100,000 that never read an 88 MB partition
// Usage: node scripts/eh-wire-rss.mjs [--src <tree with src/emulator>] [--mb 200] [bomb|transfer|stalled…]
// --src lets the same loads run against an older tree (e.g. `git archive <commit> | tar -x -C /tmp/old`).
// The child gets --max-old-space-size=1024 so a runaway allocation dies instead of taking the machine.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const [value] = args.splice(at, 2).slice(1);
  return value;
};
const src = resolve(option('--src', repo));
const transferMb = Number(option('--mb', '200'));
const scenarios = args.length > 0 ? args : ['bomb', 'transfer', 'stalled'];
const out = join(repo, 'node_modules', '.cache', 'eh-wire-rss');
mkdirSync(out, { recursive: true });

// The child: starts the emulator from `src`, fills partition 0 when asked, prints its port.
const childEntry = `
import { startEventHubsEmulator } from ${JSON.stringify(join(src, 'src/emulator/eventhubs/server.ts'))};
const emulator = await startEventHubsEmulator({ acceptAnyToken: process.env.FILL === '1' });
if (process.env.FILL === '1') {
  const size = 88_000;
  const header = Buffer.from([0x00, 0x53, 0x75, 0xb0, 0, 0, 0, 0]);
  header.writeUInt32BE(size, 4);
  const partition = emulator.namespace.hub('eh1').partition('0');
  for (let index = 0; index < 1000; index++) partition.append([{ message: Buffer.concat([header, Buffer.alloc(size, index & 0xff)]) }]);
}
process.stdout.write(JSON.stringify({ port: emulator.port }) + '\\n');
`;
const childFile = join(out, `child-${Buffer.from(src).toString('hex').slice(-16)}.mjs`);
await build({ stdin: { contents: childEntry, resolveDir: src, loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: childFile, logLevel: 'error' });
const rawFile = join(out, 'raw-amqp.mjs');
await build({ entryPoints: [join(repo, 'test/emulator/eventhubs/raw-amqp.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: rawFile, logLevel: 'error' });
const raw = await import(pathToFileURL(rawFile).href);

function startChild(env) {
  const child = spawn(process.execPath, ['--max-old-space-size=1024', childFile], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.resume();
  const exited = new Promise((done) => child.once('exit', (code, signal) => done(code ?? signal)));
  const ready = new Promise((done, fail) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) done(JSON.parse(text.slice(0, text.indexOf('\n'))).port);
    });
    void exited.then((code) => fail(new Error(`child exited ${code}`)));
  });
  return { child, ready, exited };
}

const mb = (bytes) => Math.round(bytes / 1048576);
function peakRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return undefined;
  }
}
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function measure(name, env, load) {
  const { child, ready, exited } = startChild(env);
  const port = await ready;
  const baseline = peakRss(child.pid);
  let died;
  void exited.then((code) => (died = code));
  let peak = baseline;
  const sampler = setInterval(() => (peak = peakRss(child.pid) ?? peak), 100);
  const started = Date.now();
  await load(port, () => died !== undefined);
  clearInterval(sampler);
  peak = peakRss(child.pid) ?? peak;
  const alive = died === undefined;
  child.kill('SIGKILL');
  await exited;
  console.log(`${name.padEnd(9)} baseline ${mb(baseline)} MB, peak ${mb(peak)} MB, ${alive ? 'alive' : `died (${died}) after ${Date.now() - started} ms`}`);
}

const loads = {
  async bomb(port, dead) {
    const client = await raw.rawClient(port);
    const array = Buffer.from([0xf0, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0x40]);
    client.socket.write(Buffer.concat([raw.AMQP_HEADER, raw.frame(raw.described(0x10, Buffer.concat([Buffer.from([0xc0, array.length + 1, 1]), array])))]));
    for (let waited = 0; waited < 10_000 && !dead(); waited += 200) await sleep(200);
    client.socket.destroy();
  },
  async transfer(port, dead) {
    const client = await raw.rawClient(port);
    client.socket.write(Buffer.concat([raw.AMQP_HEADER, raw.open(), raw.begin(), raw.attach('cbs', 0, 'sender', '$cbs')]));
    await client.waitFor('$cbs');
    const chunk = Buffer.alloc(65_000, 0x61);
    client.socket.write(raw.transfer(0, 0, true, chunk));
    const continuation = raw.transfer(0, undefined, true, chunk);
    for (let sent = 0; sent < transferMb * 1048576 && !dead() && !client.socket.destroyed; sent += chunk.length) {
      if (!client.socket.write(continuation)) await new Promise((done) => client.socket.once('drain', done));
    }
    await sleep(1000);
    client.socket.destroy();
  },
  async stalled(port) {
    const receivers = [];
    for (let index = 0; index < 5; index++) {
      const client = await raw.rawClient(port);
      client.socket.write(Buffer.concat([raw.AMQP_HEADER, raw.open(), raw.begin(), raw.attach(`r${index}`, 0, 'receiver', 'eh1/ConsumerGroups/$default/Partitions/0'), raw.flow(0, 100_000)]));
      client.socket.pause();
      receivers.push(client);
    }
    await sleep(5000);
    for (const client of receivers) client.socket.destroy();
  },
};

console.log(`tree: ${src}`);
for (const name of scenarios) await measure(name, name === 'stalled' ? { FILL: '1' } : {}, loads[name]);
