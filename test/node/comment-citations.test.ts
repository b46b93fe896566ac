import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every source a comment in src/ cites must be in this repository (or be a public URL): someone who
// clones the project has to be able to follow it. `docs/protocol/x.md §N` must name a section that
// exists in that file; repository paths must exist; citations of research notes outside the repo
// ("note §3", "DESIGN.md") are not allowed.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function commentsOf(text: string): string[] {
  return [...text.matchAll(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g)].map((match) => match[0]);
}

function sectionsOf(markdownPath: string): Set<string> {
  const headings = readFileSync(markdownPath, 'utf8').matchAll(/^#{2,4} ([0-9]+(?:\.[0-9]+)*)\.? /gm);
  return new Set([...headings].map((match) => match[1]!));
}

interface Problem {
  file: string;
  citation: string;
}

function problemsIn(here: string, text: string): Problem[] {
  const problems: Problem[] = [];
  for (const comment of commentsOf(text)) {
    for (const match of comment.matchAll(/\bnotes? §|\.\.\/shared|\bDESIGN\.md|style-anchors/g)) {
      problems.push({ file: here, citation: match[0] });
    }
    for (const match of comment.matchAll(/\b((?:docs|src|test|scripts|bench|examples|demo)\/[\w./-]+?\.(?:md|ts|mjs|json))(?: §([0-9.]*[0-9]))?/g)) {
      const [citation, path, section] = match;
      const target = join(root, path!);
      if (!existsSync(target)) problems.push({ file: here, citation });
      else if (section !== undefined && path!.endsWith('.md') && !sectionsOf(target).has(section)) {
        problems.push({ file: here, citation });
      }
    }
  }
  return problems;
}

describe('citations in source comments', () => {
  it('cite only files in this repository, and sections that exist', () => {
    const problems = sourceFiles(join(root, 'src')).flatMap((file) => problemsIn(relative(root, file), readFileSync(file, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('finds a citation of a missing file or section (the check can fail)', () => {
    const text = '// docs/protocol/relay.md §1.5 holds; docs/protocol/relay.md §99, docs/nowhere.md and note §3 do not';
    expect(problemsIn('sample.ts', text).map((problem) => problem.citation)).toEqual([
      'note §',
      'docs/protocol/relay.md §99',
      'docs/nowhere.md',
    ]);
  });
});
