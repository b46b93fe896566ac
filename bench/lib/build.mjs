// Bundles the current TypeScript sources (not dist/) with esbuild once per run, so the harness
// measures the tree as it is without `npm run build` and without touching the shared dist/.
// Dependencies stay external (resolved from node_modules); a linked source map lets the profile
// summary (profile.mjs) name src/ files. Each run gets its own folder: two runs may overlap.
// One bundle per service, so a tree that another helper has half-edited breaks only its own rows.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = join(ROOT, 'node_modules/.cache/azure-realtime-bench');

const ENTRIES = {
  'relay-emulator': 'src/emulator/relay/index.ts',
  'webpubsub-emulator': 'src/emulator/webpubsub/index.ts',
  'eventhubs-emulator': 'src/emulator/eventhubs/index.ts',
  node: 'src/node/index.ts',
};

/**
 * Builds into a fresh folder and returns it; `BENCH_BUILD` tells child processes where it is.
 * `sourceRoot`: another tree's sources (a revision, buildRevision); `name` tells builds of one run apart.
 */
export async function buildSources({ sourceRoot = ROOT, name = 'tree' } = {}) {
  const dir = join(CACHE, `run-${process.pid}-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const failures = {};
  await Promise.all(
    Object.entries(ENTRIES).map(([name, entry]) =>
      esbuild
        .build({
          absWorkingDir: sourceRoot,
          nodePaths: [join(ROOT, 'node_modules')],
          entryPoints: { [name]: entry },
          bundle: true,
          format: 'esm',
          platform: 'node',
          target: 'node20',
          packages: 'external',
          sourcemap: 'linked',
          outdir: dir,
          logLevel: 'silent',
        })
        .catch((error) => {
          failures[name] = `bundling ${entry} failed: ${error.message}`;
        }),
    ),
  );
  writeFileSync(join(dir, 'failures.json'), JSON.stringify(failures));
  // A bundle imports rhea & co. by name: one built from another tree resolves them from here.
  if (sourceRoot !== ROOT) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const message of Object.values(failures)) console.error(message);
  process.env.BENCH_BUILD = dir;
  return dir;
}

/** Builds `src/` as of git revision `rev` (of `repo`, this checkout by default): the "before" of an A/B. */
export async function buildRevision(rev, repo = ROOT) {
  const tree = join(CACHE, `tree-${process.pid}`);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  execFileSync('sh', ['-c', `git -C "${repo}" archive "${rev}" src | tar -x -C "${tree}"`]);
  try {
    return await buildSources({ sourceRoot: tree, name: 'before' });
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

export function removeBuild(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** Imports one of the bundles (a key of ENTRIES) from the folder named by BENCH_BUILD. */
export function importOurs(entry) {
  const dir = process.env.BENCH_BUILD;
  if (!dir) throw new Error('BENCH_BUILD is not set: run through bench/run.mjs');
  if (!(entry in ENTRIES)) throw new Error(`no bundle ${entry}`);
  const failed = existsSync(join(dir, 'failures.json')) ? JSON.parse(readFileSync(join(dir, 'failures.json'), 'utf8'))[entry] : undefined;
  if (failed) throw new Error(failed);
  return import(pathToFileURL(join(dir, `${entry}.js`)).href);
}
