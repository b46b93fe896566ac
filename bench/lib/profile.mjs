// `--profile <row>`: our servers ran under `node --cpu-prof`; this turns each .cpuprofile into a
// short Markdown list of self time, mapped through the bundle's source map back to src/ files.
import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const maps = new Map();

function sourceMapFor(url) {
  if (!url.startsWith('file://')) return undefined;
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

/** `src/emulator/x.ts:12`, `node_modules/rhea/lib/y.js:3`, `node:internal/...` or a V8 pseudo-frame. */
/** Without `buildDir`, any file with a source map beside it counts as a bundle of ours. */
function locate({ url, lineNumber, columnNumber }, buildDir) {
  if (!url) return '';
  const ours = buildDir === undefined || url.includes(buildDir);
  const entry = ours ? sourceMapFor(url)?.findEntry(lineNumber, columnNumber) : undefined;
  if (entry?.originalSource) return `${entry.originalSource.replace(/^.*?\/(src\/)/, '$1').replace(/^(\.\.\/)+/, '')}:${entry.originalLine + 1}`;
  if (ours && buildDir !== undefined) return `${basename(url)}:${lineNumber + 1}`;
  return `${url.replace(/^file:\/\/.*?\/node_modules\//, 'node_modules/').replace(/^file:\/\//, '')}:${lineNumber + 1}`;
}

export function selfTimes(profile, buildDir) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const rows = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    total += micros;
    const where = locate(callFrame, buildDir);
    const key = `${callFrame.functionName || '(anonymous)'}\u0000${where}`;
    rows.set(key, (rows.get(key) ?? 0) + micros);
  }
  const list = [...rows].map(([key, micros]) => {
    const [name, where] = key.split('\u0000');
    return { name, where, micros };
  });
  list.sort((a, b) => b.micros - a.micros);
  return { list, total, idle };
}

function byFile(list) {
  const files = new Map();
  for (const { where, micros } of list) {
    const file = where.replace(/:\d+$/, '') || '(V8 / native)';
    files.set(file, (files.get(file) ?? 0) + micros);
  }
  return [...files].sort((a, b) => b[1] - a[1]);
}

export function summarizeProfiles(profileDir, buildDir, row, results) {
  const pct = (micros, total) => `${((100 * micros) / total).toFixed(1)}%`;
  const out = [
    `# ${row.id === 'wps-idle-memory' ? 'Heap' : 'CPU'} profile: ${row.title}`,
    '',
    `\`node bench/run.mjs --profile ${row.id}\`, ${results.startedAt}, Node ${results.machine.node}, load ${results.load.start.join(', ')} → ${results.load.end.join(', ')}. Only our contestants ran; the servers below ran under \`node --cpu-prof\` (self time, idle excluded; src/ locations through the bundle's source map).`,
    '',
  ];
  if (row.id === 'wps-idle-memory') out[2] = `\`node bench/run.mjs --profile ${row.id}\`, ${results.startedAt}, Node ${results.machine.node}: heap snapshots of each server around the connections (the memory row's \`--profile\` takes heap snapshots instead of CPU profiles).`;
  const recorded = results.rows[0];
  if (recorded?.cases) for (const c of recorded.cases) out.push(`- ${c.label}: ours ${c.contestants.ours?.median?.toFixed(1)} ${c.unit} during the profiled run`);
  out.push('');
  for (const file of readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8'));
    const { list, total, idle } = selfTimes(profile, buildDir);
    const role = file.replace(/-\d+\.cpuprofile$/, '');
    out.push(`## ${role}`, '', `${(total / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle.`, '');
    out.push('Top 5 self time in our code (src/):', '');
    const ours = list.filter((entry) => entry.where.startsWith('src/'));
    ours.slice(0, 5).forEach((entry, i) => out.push(`${i + 1}. ${pct(entry.micros, total)} \`${entry.name}\` ${entry.where}`));
    out.push('', 'Top 12 self time overall:', '', '| self | function | where |', '|---:|---|---|');
    for (const entry of list.slice(0, 12)) out.push(`| ${pct(entry.micros, total)} | \`${entry.name}\` | ${entry.where || '—'} |`);
    out.push('', 'By file (top 8):', '', '| self | file |', '|---:|---|');
    for (const [name, micros] of byFile(list).slice(0, 8)) out.push(`| ${pct(micros, total)} | ${name} |`);
    out.push('');
  }
  out.push(summarizeHeapSnapshots(profileDir));
  return out.join('\n');
}

/** Self size by constructor (objects) or node type (strings, code, arrays…) of a .heapsnapshot. */
function heapByKind(path) {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(path, 'utf8'));
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field));
  const kinds = new Map();
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt]];
    const key = type === 'object' || type === 'closure' ? `${strings[nodes[i + nameAt]]}${type === 'closure' ? ' (closure)' : ''}` : `(${type})`;
    const entry = kinds.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += nodes[i + sizeAt];
    entry.count++;
    kinds.set(key, entry);
  }
  return kinds;
}

/** Markdown: what the heap gained per connection between the before and after snapshots. */
export function summarizeHeapSnapshots(profileDir) {
  const files = readdirSync(profileDir).filter((name) => name.endsWith('.heapsnapshot'));
  const out = [];
  for (const before of files.filter((name) => name.endsWith('-before.heapsnapshot'))) {
    const role = before.replace(/-before\.heapsnapshot$/, '');
    const after = files.find((name) => name.startsWith(`${role}-after-`));
    if (!after) continue;
    const count = Number(/-after-(\d+)\./.exec(after)[1]);
    const a = heapByKind(join(profileDir, before));
    const b = heapByKind(join(profileDir, after));
    const diff = [...b].map(([key, { bytes, count: n }]) => ({ key, bytes: bytes - (a.get(key)?.bytes ?? 0), count: n - (a.get(key)?.count ?? 0) })).sort((x, y) => y.bytes - x.bytes);
    const total = diff.reduce((sum, entry) => sum + entry.bytes, 0);
    out.push(`## ${role}: JS heap gained per idle connection`, '', `${count.toLocaleString('en-US')} connections; heap snapshots (after forced GCs) before and after; ${(total / count / 1024).toFixed(2)} KiB per connection in all (V8 self sizes; ArrayBuffer backing stores and socket buffers outside the JS heap are not in it).`, '', '| per connection | objects per connection | constructor / kind |', '|---:|---:|---|');
    for (const entry of diff.slice(0, 15)) out.push(`| ${entry.bytes / count >= 1024 ? `${(entry.bytes / count / 1024).toFixed(2)} KiB` : `${Math.round(entry.bytes / count)} B`} | ${(entry.count / count).toFixed(1)} | \`${entry.key}\` |`);
    out.push('');
  }
  return out.join('\n');
}
