// What bounds a round: the share of a core the harness (the client side) and a server child used
// over it. Near 100% on one side says that side is the bottleneck; both low says waiting (or load).
import { median } from './stats.mjs';

export function cpuShares() {
  const seen = {};
  return {
    /** Wraps a round; `servers` maps a label to a child (lib/child.mjs) whose CPU is read too. */
    wrap(key, servers, run) {
      return async () => {
        const start = performance.now();
        const client = process.cpuUsage();
        const before = await Promise.all(Object.values(servers).map((child) => child.call('cpu')));
        const value = await run();
        const wall = (performance.now() - start) * 1000;
        const after = await Promise.all(Object.values(servers).map((child) => child.call('cpu')));
        const used = process.cpuUsage(client);
        const shares = { harness: (used.user + used.system) / wall };
        Object.keys(servers).forEach((label, i) => (shares[label] = (after[i].user + after[i].system - before[i].user - before[i].system) / wall));
        (seen[key] ??= []).push(shares);
        return value;
      };
    },
    /** "sdk: harness 97%, emulator 41%; …" from the medians over the rounds. */
    describe(names = {}) {
      return Object.entries(seen)
        .map(([key, rounds]) => `${names[key] ?? key}: ${Object.keys(rounds[0]).map((label) => `${label} ${Math.round(100 * median(rounds.map((r) => r[label])))}%`).join(', ')}`)
        .join('; ');
    },
  };
}
