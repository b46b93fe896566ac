import { basename } from 'node:path';
import { gzipSync } from 'node:zlib';

// How big a browser bundle is on first load: esbuild (splitting on) emits the entry's own output,
// the chunks it imports statically, and one chunk per dynamic import. The first two are "eager";
// the rest loads on first use. Shared by scripts/size.mjs and the bench's bundle-size row.

/** The eager and lazy output paths of an esbuild result built with `metafile` and `write: false`. */
export function splitEager(result, entryName = 'entry.mjs') {
  const outputs = result.metafile.outputs;
  const eager = new Set();
  const visit = (path) => {
    if (eager.has(path)) return;
    eager.add(path);
    for (const dep of outputs[path].imports) if (dep.kind === 'import-statement') visit(dep.path);
  };
  // The entry's own output: every dynamically imported module is an entry point of the metafile too.
  visit(Object.keys(outputs).find((path) => outputs[path].entryPoint?.endsWith(entryName)));
  const files = new Map(result.outputFiles.map((file) => [basename(file.path), file.contents]));
  const code = (paths) => Buffer.concat(paths.map((path) => files.get(basename(path))));
  const lazy = Object.keys(outputs).filter((path) => !eager.has(path) && path.endsWith('.js'));
  return { outputs, eager: [...eager], lazy, code, gzip: (paths) => (paths.length ? gzipSync(code(paths), { level: 9 }).length : 0) };
}
