#!/usr/bin/env node
// `npm test`: build, type-check, vitest (Node + Chromium), the runtime smoke test, the e2e demo
// run and the bundle-size check, then one closing line with the counts of all of
// them, so a reader of the last line sees the whole run.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { root } from './link-self.mjs';

const report = 'test-output/vitest.json';
const steps = [
  { name: 'build', command: 'npm', args: ['run', 'build'] },
  { name: 'typecheck', command: 'npm', args: ['run', 'typecheck'] },
  { name: 'vitest', command: 'npx', args: ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], counts: vitestCounts },
  { name: 'smoke', command: process.execPath, args: ['scripts/smoke-runtimes.mjs'], counts: lineCounts },
  { name: 'e2e', command: process.execPath, args: ['scripts/e2e-demo.mjs'], counts: lineCounts },
  { name: 'dashboard', command: process.execPath, args: ['scripts/e2e-dashboard.mjs'], counts: lineCounts },
  { name: 'size', command: process.execPath, args: ['scripts/size.mjs'], counts: lineCounts },
  { name: 'vite-app', command: process.execPath, args: ['scripts/e2e-vite-app.mjs'], counts: lineCounts },
];

function vitestCounts() {
  const json = JSON.parse(readFileSync(`${root}/${report}`, 'utf8'));
  return { passed: json.numPassedTests, failed: json.numFailedTests + (json.numTotalTestSuites > 0 && !json.success && json.numFailedTests === 0 ? 1 : 0) };
}

function lineCounts(output) {
  const match = [...output.matchAll(/^[\w-]+: (\d+) passed, (\d+) failed$/gm)].pop();
  return match ? { passed: Number(match[1]), failed: Number(match[2]) } : { passed: 0, failed: 1 };
}

function run({ command, args }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

mkdirSync(`${root}/test-output`, { recursive: true });
let passed = 0;
let failed = 0;
const summary = [];
for (const step of steps) {
  const { code, output } = await run(step);
  const counts = step.counts ? step.counts(output) : { passed: 0, failed: 0 };
  if (code !== 0 && counts.failed === 0) counts.failed = 1; // a step that failed without counting still fails the run
  passed += counts.passed;
  failed += counts.failed;
  summary.push(`${step.name}: ${code === 0 ? 'ok' : `exit ${code}`}${step.counts ? ` (${counts.passed} passed, ${counts.failed} failed)` : ''}`);
  if (code !== 0 && (step.name === 'build' || step.name === 'typecheck')) break; // nothing after can be trusted
}
console.log(`\n${summary.join('\n')}`);
console.log(`total: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
