import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// No import cycles in src/ (shared types live in their own files at the bottom of each folder).
// A cycle makes module evaluation order matter and lets bundlers wrap modules in lazy initialisers.
const root = new URL('../../src/', import.meta.url).pathname;

// Static `import … from`, `export … from`, side-effect `import '…'` and dynamic `import('…')`.
// `import type` edges count too: a type-only cycle is still two files that cannot be read apart.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"\n]+)\1/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Strips comments so a specifier quoted in prose is not an edge. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Relative specifiers of one source text, as written. */
export function specifiers(source: string): string[] {
  return [...stripComments(source).matchAll(SPECIFIER)].map((match) => match[2]!).filter((spec) => spec.startsWith('.'));
}

function resolveSpecifier(from: string, spec: string): string | undefined {
  const target = resolve(dirname(from), spec);
  const candidates = [target.replace(/\.js$/, '.ts'), `${target}.ts`, join(target, 'index.ts'), target];
  return candidates.find((path) => path.endsWith('.ts') && existsSync(path));
}

export function importGraph(files: string[], read: (file: string) => string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const edges = specifiers(read(file)).flatMap((spec) => resolveSpecifier(file, spec) ?? []);
    graph.set(file, [...new Set(edges)]);
  }
  return graph;
}

/** Every strongly connected component with more than one file (or a self-import): each is a cycle. */
export function cycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm, iterative enough for a few hundred files.
  let index = 0;
  const indices = new Map<string, number>();
  const lowlink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    lowlink.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        lowlink.set(node, Math.min(lowlink.get(node)!, lowlink.get(next)!));
      } else if (onStack.has(next)) {
        lowlink.set(node, Math.min(lowlink.get(node)!, indices.get(next)!));
      }
    }
    if (lowlink.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

describe('import graph of src/', () => {
  const files = sourceFiles(root);
  const graph = importGraph(files, (file) => readFileSync(file, 'utf8'));

  it('resolves the relative imports of every file', () => {
    expect(files.length).toBeGreaterThan(50);
    const edgeCount = [...graph.values()].reduce((sum, edges) => sum + edges.length, 0);
    expect(edgeCount).toBeGreaterThan(files.length);
  });

  it('has no cycles', () => {
    const found = cycles(graph).map((component) => component.map((file) => relative(root, file)).join(' <-> '));
    if (found.length > 0) console.error(`import cycles in src/ (${found.length}):\n  ${found.join('\n  ')}`);
    expect(found).toEqual([]);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const a = join(root, 'a.ts');
    const b = join(root, 'b.ts');
    const c = join(root, 'c.ts');
    const fake = new Map([
      [a, [b]],
      [b, [c]],
      [c, [a]],
    ]);
    expect(cycles(fake)).toEqual([[a, b, c]]);
    expect(cycles(new Map([[a, [b]], [b, []]]))).toEqual([]);
  });

  it('reads every kind of import specifier', () => {
    const source = [
      "import { x } from './x.js';",
      "import type { T } from './types.js';",
      "export * from './all.js';",
      "export { y } from './y.js';",
      "import './side-effect.js';",
      "const lazy = await import('./lazy.js');",
      "// import { z } from './commented.js';",
      "import { w } from 'ws';",
    ].join('\n');
    expect(specifiers(source)).toEqual(['./x.js', './types.js', './all.js', './y.js', './side-effect.js', './lazy.js']);
  });
});
