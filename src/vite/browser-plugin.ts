import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { browserShimPaths, builtinStubs, injectedGlobals } from './shims.js';

// The half of the plugin every app gets: @azure/event-hubs (behind azure-realtime/eventhubs)
// builds and runs in the page with no other config.
// * Node globals: `process`, `Buffer` and `global` are injected as imports into exactly the modules
//   that read them (rolldown's `transform.inject`), in `vite build` and in the dev server's
//   dependency pre-bundling; nothing is put on the page's globalThis.
// * `os` and `path` resolve to small stubs instead of Vite's browser-external proxy (which throws
//   on use in dev).
// * The SDK is pre-bundled up front: it loads through a dynamic import on the first factory call,
//   which Vite would otherwise discover only then, re-optimize, and reload the page.
// All of it applies to browser environments only (`consumer: 'client'`); SSR keeps real Node.

/** What the dev server pre-bundles: the SDK and what azure-realtime/eventhubs imports beside it. */
export const PREBUNDLED = ['@azure/event-hubs', '@azure/core-util'];

/**
 * PREBUNDLED as the app's root can name them: by name where they resolve from there (npm's flat
 * node_modules, a linked checkout), else through azure-realtime (`a > b`, Vite's syntax for a
 * dependency of a dependency, e.g. under pnpm).
 */
export function prebundledFrom(root: string): string[] {
  const fromRoot = createRequire(join(root, 'package.json'));
  return PREBUNDLED.map((name) => {
    try {
      fromRoot.resolve(`${name}/package.json`);
      return name;
    } catch {
      return `azure-realtime > ${name}`;
    }
  });
}

export function browserPlugin(): Plugin {
  const paths = browserShimPaths();
  const stubs = builtinStubs(paths);
  const inject = injectedGlobals(paths);
  const isClient = (name: string, consumer: string | undefined) => (consumer ?? (name === 'client' ? 'client' : 'server')) === 'client';
  let root = process.cwd();
  return {
    name: 'azure-realtime:browser',
    enforce: 'pre',
    config(user) {
      root = resolve(user.root ?? process.cwd());
    },
    configEnvironment(name, config) {
      if (!isClient(name, config.consumer)) return;
      return {
        optimizeDeps: {
          include: prebundledFrom(root),
          rolldownOptions: {
            transform: { inject },
            plugins: [{ name: 'azure-realtime:stubs', resolveId: (source: string) => stubs[source] ?? null }],
          },
        },
        build: { rolldownOptions: { transform: { inject } } },
      };
    },
    resolveId(source) {
      if (this.environment.config.consumer !== 'client') return null;
      return stubs[source] ?? null;
    },
  };
}
