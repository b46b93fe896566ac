// Self time per function over every .cpuprofile in a folder, for the quick looks of
// bench/eventhubs-dev.mjs --profile and bench/eh-probe.mjs (profile.mjs does the per-file reading).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selfTimes } from './profile.mjs';

/** [{ key, ms, share }] sorted by self time, idle excluded, from every profile in `dir`. */
export function topSelfTime(dir, limit = 15) {
  const totals = new Map();
  let all = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const { list, total } = selfTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    for (const { name, where, micros } of list) {
      const key = `${name} ${where || '(native)'}`;
      totals.set(key, (totals.get(key) ?? 0) + micros);
    }
    all += total;
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, micros]) => ({ key, ms: micros / 1000, share: micros / all }));
}
