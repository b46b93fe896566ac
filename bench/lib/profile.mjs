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
function locate({ url, lineNumber, columnNumber }, buildDir) {
  if (!url) return '';
  if (url.includes(buildDir)) {
    const entry = sourceMapFor(url)?.findEntry(lineNumber, columnNumber);
    if (entry?.originalSource) return `${entry.originalSource.replace(/^.*?\/(src\/)/, '$1').replace(/^(\.\.\/)+/, '')}:${entry.originalLine + 1}`;
    return `${basename(url)}:${lineNumber + 1}`;
  }
  return `${url.replace(/^file:\/\/.*?\/node_modules\//, 'node_modules/').replace(/^file:\/\//, '')}:${lineNumber + 1}`;
}

function selfTimes(profile, buildDir) {
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
    `# CPU profile: ${row.title}`,
    '',
    `\`node bench/run.mjs --profile ${row.id}\`, ${results.startedAt}, Node ${results.machine.node}, load ${results.load.start.join(', ')} → ${results.load.end.join(', ')}. Only our contestants ran; the servers below ran under \`node --cpu-prof\` (self time, idle excluded; src/ locations through the bundle's source map).`,
    '',
  ];
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
  return out.join('\n');
}
