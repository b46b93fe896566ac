// What bounds a round: the share of a core the harness (the client side) and a server child used
// over it, and, for rounds that count operations, the CPU µs each spent per operation. Near 100% on
// one side says that side is the bottleneck; both low says waiting (or load).
import { median } from './stats.mjs';

export function cpuShares() {
  const seen = {};
  /** Runs `run`, keeping each side's CPU over it; `countOf` reads the operation count from its result. */
  const measured = (key, servers, run, countOf) => async () => {
    const start = performance.now();
    const client = process.cpuUsage();
    const before = await Promise.all(Object.values(servers).map((child) => child.call('cpu')));
    const result = await run();
    const wall = (performance.now() - start) * 1000;
    const after = await Promise.all(Object.values(servers).map((child) => child.call('cpu')));
    const harness = process.cpuUsage(client);
    const used = { harness: harness.user + harness.system };
    Object.keys(servers).forEach((label, i) => (used[label] = after[i].user + after[i].system - before[i].user - before[i].system));
    const count = countOf?.(result);
    (seen[key] ??= []).push(Object.fromEntries(Object.entries(used).map(([label, us]) => [label, { share: us / wall, perOp: count ? us / count : undefined }])));
    return result;
  };
  const describe = (pick, format, names = {}) =>
    Object.entries(seen)
      .map(([key, rounds]) => `${names[key] ?? key}: ${Object.keys(rounds[0]).map((label) => `${label} ${format(median(rounds.map((r) => r[label][pick])))}`).join(', ')}`)
      .join('; ');
  return {
    /** Wraps a round; `servers` maps a label to a child (lib/child.mjs) whose CPU is read too. */
    wrap: (key, servers, run) => measured(key, servers, run),
    /** As wrap, for a round resolving to `{ count, perSecond }`: resolves to perSecond, keeps CPU per operation. */
    wrapCounted: (key, servers, run) => {
      const round = measured(key, servers, run, (result) => result.count);
      return async () => (await round()).perSecond;
    },
    /** "sdk: harness 97%, emulator 41%; …" from the medians over the rounds. */
    describe: (names) => describe('share', (share) => `${Math.round(100 * share)}%`, names),
    /** "ours: harness 28.0, emulator 55.0; …": median CPU µs per operation (wrapCounted rounds). */
    perOp: (names) => describe('perOp', (us) => (us >= 100 ? Math.round(us).toLocaleString('en-US') : us.toFixed(1)), names),
  };
}
