#!/usr/bin/env node
// `npm run test:reliability`: the long form of the reliability suite (test/reliability): 100,000
// cases per decoder property, network fuzz batches of 5,000 mutated sessions per port and protocol, 10,000
// Web PubSub clients, 1,000 Relay senders, slowloris held past Node's own header timeout; then
// the durability soak (scripts/durability-soak.mjs) when it exists. Writes
// test/reliability/RESULTS.md: one table per kind of target with cases, crashes, hangs, let in,
// lost and peak RSS of the emulator process.
//
//   node scripts/test-reliability.mjs            long form, writes test/reliability/RESULTS.md
//   node scripts/test-reliability.mjs --short    short form (as in npm test), writes test-output/reliability/RESULTS.short.md
//   node scripts/test-reliability.mjs --summarize  rewrite RESULTS.md from the last run's files, running nothing
//   RELIABILITY_CASES=5000 node scripts/…        another property case count
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './link-self.mjs';

const short = process.argv.includes('--short');
const summarizeOnly = process.argv.includes('--summarize');
const outDir = join(root, 'test-output/reliability');
const resultsFile = join(outDir, 'results.jsonl');
const vitestJson = join(outDir, 'vitest.json');
const soakLog = join(outDir, 'durability-soak.log');
const summaryFile = short ? join(outDir, 'RESULTS.short.md') : join(root, 'test/reliability/RESULTS.md');
const rssBound = process.env.RELIABILITY_RSS_MB ?? '400';

function run(command, args, env) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (code) => resolve({ code, output, seconds: Math.round((Date.now() - started) / 1000) }));
  });
}

mkdirSync(outDir, { recursive: true });
const env = { RELIABILITY_RESULTS: resultsFile, RELIABILITY_LONG: short ? '0' : '1' };
let vitest = { code: 0, output: '', seconds: 0 };
let soak;
if (summarizeOnly) {
  if (existsSync(soakLog)) soak = JSON.parse(readFileSync(soakLog, 'utf8'));
} else {
  rmSync(resultsFile, { force: true });
  rmSync(soakLog, { force: true });
  // One file at a time: each starts its own emulator process, and RSS is measured per process
  // without the others' load on the two cores.
  vitest = await run(
    'npx',
    ['vitest', 'run', '--project', 'node', '--no-file-parallelism', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`, 'test/reliability/'],
    env,
  );
  // The durability soak (SIGKILL while producing, with --data-dir) is its own script and drives the
  // built CLI, so build first; its per-run lines become one row here.
  const soakScript = join(root, 'scripts/durability-soak.mjs');
  if (existsSync(soakScript)) {
    const build = await run('npx', ['tsc', '-p', 'tsconfig.json'], {});
    soak = build.code === 0 ? await run(process.execPath, [soakScript, '--runs', short ? '2' : '10'], {}) : { code: build.code, output: `build failed:\n${build.output}`, seconds: build.seconds };
    writeFileSync(soakLog, JSON.stringify(soak));
  }
}
/** The batch's own problem line (attack/crash/hang/RSS/legitimate client), else the message's first line. */
function firstProblem(message) {
  const match = /((?:attack|crash|hang): [^"'\]\n]+|legitimate client failed[^"'\]\n]+|RSS \d+ MB above[^"'\]\n]+)/.exec(message);
  return match ? match[1] : message.split('\n')[0];
}

const metaFile = join(outDir, 'run-meta.json');
if (!summarizeOnly) writeFileSync(metaFile, JSON.stringify({ seconds: vitest.seconds, commit: (await run('git', ['rev-parse', '--short', 'HEAD'], {})).output.trim() }));
const meta = existsSync(metaFile) ? JSON.parse(readFileSync(metaFile, 'utf8')) : { seconds: vitest.seconds, commit: '?' };
let tests = { passed: 0, failed: 0, seconds: meta.seconds, started: Date.now() };
const failures = [];
try {
  const json = JSON.parse(readFileSync(vitestJson, 'utf8'));
  tests = { passed: json.numPassedTests, failed: json.numFailedTests, seconds: meta.seconds, started: json.startTime };
  for (const file of json.testResults) {
    for (const test of file.assertionResults) {
      if (test.status === 'failed') failures.push({ file: file.name.replace(`${root}/`, ''), name: test.fullName, message: firstProblem(String(test.failureMessages?.[0] ?? '')) });
    }
    if (file.status === 'failed' && file.assertionResults.length === 0) failures.push({ file: file.name.replace(`${root}/`, ''), name: '(file did not load)', message: String(file.message ?? '').split('\n')[0] });
  }
} catch {
  tests.failed = 1;
}

const soakRows = [];
if (soak) {
  const runs = [...soak.output.matchAll(/^run \d+: .*?(\d+) in total; lost (\d+), reordered (\d+), renumbered (\d+), reused numbers (\d+)/gm)];
  soakRows.push({
    target: `durability: ${runs.length} SIGKILLs while producing (@azure/event-hubs, --data-dir)`,
    cases: runs.length,
    crashes: 0,
    hangs: 0,
    letIn: 0,
    lost: runs.reduce((sum, m) => sum + Number(m[2]), 0),
    note: `${runs.at(-1)?.[1] ?? 0} acknowledged events in total; reordered ${runs.reduce((sum, m) => sum + Number(m[3]), 0)}, renumbered ${runs.reduce((sum, m) => sum + Number(m[4]), 0)}, reused numbers ${runs.reduce((sum, m) => sum + Number(m[5]), 0)}; exit ${soak.code}`,
  });
}
const rows = existsSync(resultsFile)
  ? readFileSync(resultsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
rows.push(...soakRows);
const groups = new Map();
for (const row of rows) {
  const kind = row.target.startsWith('property:')
    ? 'Decoder and parser properties (fast-check)'
    : row.target.startsWith('fuzz:')
      ? 'Network fuzz (mutated recorded traffic, emulator in a child process)'
      : row.target.startsWith('exhaustion:')
        ? 'Exhaustion'
        : row.target.startsWith('auth')
          ? 'Auth matrix'
          : row.target.startsWith('secrets')
            ? 'Secrets in everything the emulators printed'
            : row.target.startsWith('durability')
              ? 'Durability (scripts/durability-soak.mjs)'
              : 'Other';
  if (!groups.has(kind)) groups.set(kind, []);
  groups.get(kind).push(row);
}

const cell = (value) => (value === undefined ? '–' : String(value).replaceAll('|', '\\|'));
const lines = [
  `# Reliability suite results (${short ? 'short' : 'long'} form)`,
  '',
  `Run ${new Date(tests.started).toISOString()} on Node ${process.version}, commit ${meta.commit} plus the working tree then, by \`${short ? 'node scripts/test-reliability.mjs --short' : 'npm run test:reliability'}\` in ${tests.seconds} s.`,
  `Vitest: ${tests.passed} passed, ${tests.failed} failed. Property cases per target: ${process.env.RELIABILITY_CASES ?? (short ? 1000 : 100000)}. RSS bound per emulator process: ${rssBound} MB.`,
  '',
  'Columns: **cases** inputs, connections or requests sent; **crashes** the process (or a decoder worker) died or a',
  'decoder threw an untyped error; **hangs** a call over its time limit or an emulator whose event loop stopped',
  'answering; **let in** an unauthorized attempt that succeeded (for the secrets row: lines that held a secret);',
  '**lost** accepted messages that did not arrive; **peak RSS** the emulator process high-water mark (MB).',
  '',
];
for (const [kind, members] of groups) {
  lines.push(`## ${kind}`, '', '| target | cases | crashes | hangs | let in | lost | peak RSS (MB) | note |', '|---|---:|---:|---:|---:|---:|---:|---|');
  for (const row of members) {
    lines.push(`| ${cell(row.target.replace(/^(property|fuzz|exhaustion): /, ''))} | ${cell(row.cases)} | ${cell(row.crashes)} | ${cell(row.hangs)} | ${cell(row.letIn)} | ${cell(row.lost)} | ${cell(row.peakRssMb)} | ${cell(row.note ?? '')} |`);
  }
  lines.push('');
}
if (failures.length) {
  lines.push('## Failing tests', '', '| file | test | first line of the failure |', '|---|---|---|');
  for (const failure of failures) lines.push(`| ${cell(failure.file)} | ${cell(failure.name)} | ${cell(failure.message.slice(0, 300))} |`);
  lines.push('');
}
if (soak) {
  lines.push(`Durability soak output (exit ${soak.code}, ${soak.seconds} s):`, '', '```', ...soak.output.trim().split('\n').slice(-15), '```', '');
} else {
  lines.push('## Durability', '', 'scripts/durability-soak.mjs was not present when this ran.', '');
}
writeFileSync(summaryFile, `${lines.join('\n')}\n`);
const totals = rows.reduce((sum, row) => ({ crashes: sum.crashes + row.crashes, hangs: sum.hangs + row.hangs, letIn: sum.letIn + row.letIn, lost: sum.lost + row.lost }), { crashes: 0, hangs: 0, letIn: 0, lost: 0 });
console.log(`\nreliability: ${rows.length} targets, ${totals.crashes} crashes, ${totals.hangs} hangs, ${totals.letIn} let in, ${totals.lost} lost; summary in ${summaryFile}`);
const failed = tests.failed + (soak && soak.code !== 0 ? 1 : 0) + (vitest.code !== 0 && tests.failed === 0 ? 1 : 0);
console.log(`reliability: ${tests.passed + (soak && soak.code === 0 ? 1 : 0)} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
