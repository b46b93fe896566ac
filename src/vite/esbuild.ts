import { dirname } from 'node:path';
import { browserShimPaths, builtinStubs } from './shims.js';

// The browser shims of azureRealtime() for esbuild: `plugins: [azureRealtimeEsbuild()]` with
// `bundle: true` and `platform: 'browser'`. The globals go in through esbuild's `inject` (imports
// added only to files that read them), `os`/`path` resolve to our stubs.

/** The part of esbuild's PluginBuild this plugin uses (esbuild's own types stay optional for users). */
export interface EsbuildBuildLike {
  initialOptions: { inject?: string[] };
  onResolve(options: { filter: RegExp; namespace?: string }, callback: (args: { path: string }) => { path: string; namespace?: string } | undefined): void;
  onLoad(options: { filter: RegExp; namespace?: string }, callback: (args: { path: string }) => { contents: string; resolveDir: string; loader: 'js' } | undefined): void;
}

export interface EsbuildPluginLike {
  name: string;
  setup(build: EsbuildBuildLike): void;
}

const NAMESPACE = 'azure-realtime-shims';
const GLOBALS = 'azure-realtime:node-globals';

export function azureRealtimeEsbuild(): EsbuildPluginLike {
  return {
    name: 'azure-realtime',
    setup(build) {
      const paths = browserShimPaths();
      const stubs = builtinStubs(paths);
      build.initialOptions.inject = [...(build.initialOptions.inject ?? []), GLOBALS];
      build.onResolve({ filter: /^(node:)?(os|path)$/ }, (args) => (stubs[args.path] ? { path: stubs[args.path]! } : undefined));
      build.onResolve({ filter: /^azure-realtime:node-globals$/ }, () => ({ path: GLOBALS, namespace: NAMESPACE }));
      // What replaces the free identifiers `Buffer`, `process` and `global` wherever a module reads them.
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => ({
        contents: [
          `export { Buffer } from ${JSON.stringify(paths.buffer)};`,
          `export { default as process } from ${JSON.stringify(paths.process)};`,
          `export { default as global } from ${JSON.stringify(paths.global)};`,
        ].join('\n'),
        resolveDir: dirname(paths.buffer),
        loader: 'js',
      }));
    },
  };
}
