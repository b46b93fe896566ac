import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// DESIGN.md "Rules of the core": src/core uses web-standard APIs only.
const root = new URL('../../src/core/', import.meta.url).pathname;
const FORBIDDEN = [
  /from\s+['"](node:[^'"]+|ws|isomorphic-ws|events|buffer|crypto|fs|path|os|http|https|net|tls|stream|util)['"]/,
  /import\(\s*['"](node:|ws['"]|isomorphic-ws)/,
  /\brequire\(/,
  /\bBuffer\./,
  /\bprocess\./,
  // Core takes ArrayBuffer / Uint8Array as they come; reaching into a view's backing `.buffer` is
  // how Node Buffer handling (pooled slabs) creeps in.
  /\.buffer\b/,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('src/core', () => {
  const files = sourceFiles(root);

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('imports no Node built-ins, ws, Buffer or process', () => {
    const offenders: string[] = [];
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, index) => {
        if (line.trimStart().startsWith('//') || line.trimStart().startsWith('*')) return;
        if (FORBIDDEN.some((pattern) => pattern.test(line))) offenders.push(`${relative(root, file)}:${index + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('catches a forbidden import (the check can fail)', () => {
    expect(FORBIDDEN.some((pattern) => pattern.test("import { createHmac } from 'node:crypto';"))).toBe(true);
    expect(FORBIDDEN.some((pattern) => pattern.test('const b = Buffer.from(x);'))).toBe(true);
    expect(FORBIDDEN.some((pattern) => pattern.test('new Uint8Array(view.buffer, view.byteOffset)'))).toBe(true);
  });
});
