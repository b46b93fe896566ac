// Self time per function from .cpuprofile files, mapped through the bundle's source map to src/
// files (node:module SourceMap). Used by bench/eventhubs-dev.mjs --profile.
import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const maps = new Map();

function sourceMapOf(url) {
  if (!url.startsWith('file:')) return undefined;
  if (!maps.has(url)) {
    let map;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
    } catch {
      map = undefined;
    }
    maps.set(url, map);
  }
  return maps.get(url);
}

function place(frame) {
  const map = sourceMapOf(frame.url);
  if (map) {
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry?.originalSource) return entry.originalSource.replace(/^.*?(src\/)/, '$1');
  }
  if (!frame.url) return '(native)';
  return frame.url.replace(/^.*node_modules\//, '').replace(/^node:/, 'node:');
}

/** [{ name, place, ms, share }] sorted by self time, from every profile in `dir`. */
export function topSelfTime(dir, limit = 15) {
  const totals = new Map();
  let all = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map();
    for (let i = 0; i < profile.samples.length; i++) {
      const delta = profile.timeDeltas[i + 1] ?? 0;
      self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + delta);
    }
    for (const [id, us] of self) {
      const frame = byId.get(id).callFrame;
      if (frame.functionName === '(idle)' || frame.functionName === '(program)' && false) continue;
      const key = `${frame.functionName || '(anonymous)'} ${place(frame)}`;
      totals.set(key, (totals.get(key) ?? 0) + us);
      all += us;
    }
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, us]) => ({ key, ms: us / 1000, share: us / all }));
}
