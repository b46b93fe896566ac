// bench/RESULTS.md from results.json: a machine line, one summary table (ours / peer / limit /
// ratio / goal per case), then each row's contestants and notes.
import { format, formatRatio } from './stats.mjs';

const KEYS = ['ours', 'peer', 'limit'];

function cell(contestant) {
  if (!contestant) return '—';
  const spread = contestant.rounds > 1 && contestant.min !== undefined ? ` (${format(contestant.min)}–${format(contestant.max)})` : '';
  return `${format(contestant.median)}${spread}`;
}

function ratioCell(result) {
  if (!result.ratio) return '—';
  const { value, min, max, against, formula } = result.ratio;
  const spread = min !== undefined && min !== max ? ` (${min.toFixed(2)}–${max.toFixed(2)})` : '';
  const what = formula === 'x/ours' ? `${against}/ours` : `ours/${against}`;
  return `${formatRatio(value)}${spread} ${what}`;
}

function goalCell(result) {
  if (!result.goal) return result.goalText ?? '';
  return `${result.goal.text}: **${result.goal.met ? 'met' : 'not met'}**`;
}

export function summaryTable(results) {
  const lines = ['| row | case | unit | ours | peer | limit | ratio (per-round range) | goal |', '|---|---|---|---:|---:|---:|---|---|'];
  for (const row of results.rows) {
    if (row.error) {
      lines.push(`| ${row.title} | — | — | — | — | — | — | failed: ${row.error.split('\n')[0].replace(/\|/g, '/')} |`);
      continue;
    }
    for (const [i, result] of row.cases.entries()) {
      lines.push(`| ${i === 0 ? row.title : ''} | ${result.label} | ${result.unit} | ${KEYS.map((key) => cell(result.contestants[key])).join(' | ')} | ${ratioCell(result)} | ${goalCell(result)} |`);
    }
  }
  return lines.join('\n');
}

export function renderResults(results) {
  const { machine: m } = results;
  const out = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.mjs${results.mode === 'full' ? '' : ` ${results.mode}`}); the numbers are also in \`bench/results.json\`.`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}.`,
    `Run started ${results.startedAt}, took ${Math.round(results.durationMs / 1000)} s; load average (1, 5, 15 min) ${results.load.start.join(', ')} at the start and ${results.load.end.join(', ')} at the end.`,
    '',
    'Method: our code is bundled from `src/` with esbuild at the start of the run; every server under test runs in a child process of its own; within a row the contestants run in alternating rounds (ours, peer, limit, ours, …) after one warm-up round each; each cell is the median over the rounds with the min–max in brackets (latency percentiles: over all samples of all rounds, the bracket the per-round range); a ratio is the median of the ratios taken round by round, with their range in brackets (for latency percentiles, the ratio of the pooled values). The machine is shared: absolute figures move with its load, ratios much less.',
    '',
    summaryTable(results),
    '',
    ...unmetSection(results),
  ];
  for (const row of results.rows) {
    out.push(`## ${row.title}`, '');
    if (row.goalText) out.push(`Goal (issue 12): ${row.goalText}`, '');
    if (row.bound && missesGoal(row)) out.push(`Not met; what bounds it: ${row.bound.text} Evidence: [${row.bound.profile}](${row.bound.profile.replace(/^bench\//, '')}).`, '');
    if (row.error) out.push('```', row.error, '```', '');
    for (const result of row.cases ?? []) {
      const who = KEYS.filter((key) => result.contestants[key]).map((key) => `${key}: ${result.contestants[key].name}`);
      out.push(`- ${result.label} (${result.unit}, ${result.better} is better${result.stat && result.stat !== 'median' ? `, ${result.stat} of all samples` : ''}): ${who.join('; ')}.`);
    }
    for (const note of row.notes ?? []) out.push(`- ${note}`);
    out.push(`- Took ${Math.round(row.durationMs / 1000)} s; load average ${row.load.start.join(', ')} → ${row.load.end.join(', ')}; run ${row.startedAt}.`, '');
  }
  return out.join('\n');
}

function missesGoal(row) {
  return (row.cases ?? []).some((result) => result.goal && !result.goal.met);
}

/** Rows short of a goal, each with what bounds it (the row's `bound`, written with its evidence). */
function unmetSection(results) {
  const unmet = results.rows.filter((row) => !row.error && missesGoal(row));
  if (unmet.length === 0) return [];
  const out = ['## Goals not met in this run, and what bounds them', ''];
  for (const row of unmet) {
    const why = row.bound ? `${row.bound.text} Evidence: [${row.bound.profile}](${row.bound.profile.replace(/^bench\//, '')}).` : 'No explanation recorded.';
    out.push(`- **${row.title}**: ${why}`);
  }
  out.push('');
  return out;
}

/** The README's performance table: medians and ratios only, one line per case. */
export function readmeTable(results) {
  const lines = ['| area | case | ours | peer | limit | ratio | goal |', '|---|---|---:|---:|---:|---|---|'];
  for (const row of results.rows) {
    if (row.error) continue;
    for (const [i, result] of row.cases.entries()) {
      const value = (key) => (result.contestants[key] ? `${format(result.contestants[key].median)}` : '—');
      const ratio = result.ratio ? `${formatRatio(result.ratio.value)} ${result.ratio.formula === 'x/ours' ? `${result.ratio.against}/ours` : `ours/${result.ratio.against}`}` : '—';
      const goal = result.goal ? `${result.goal.text} ${result.goal.met ? '✓' : '✗'}` : '';
      lines.push(`| ${i === 0 ? row.title : ''} | ${result.label === result.unit ? result.unit : `${result.label}, ${result.unit}`} | ${value('ours')} | ${value('peer')} | ${value('limit')} | ${ratio} | ${goal} |`);
    }
  }
  return lines.join('\n');
}
