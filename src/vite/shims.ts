import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// Where the browser shims for @azure/event-hubs live on this machine, as absolute paths, so every
// bundler config points at the same files whatever the app's own node_modules holds. `buffer`
// and `process` are the SDK's own dependencies (its README asks bundlers to provide them; see
// docs/protocol/eventhubs.md §11.1), so they are resolved from the SDK's folder: that works
// under npm's hoisting and pnpm's strict layout alike. `os`, `path` and `global` are ours (stubs/).

export interface BrowserShimPaths {
  /** The `buffer` package's entry (its `Buffer` export becomes the `Buffer` global). */
  buffer: string;
  /** `process/browser.js` (its default export becomes the `process` global). */
  process: string;
  /** Our stand-ins for Node's `os` and `path` (stubs/). */
  os: string;
  path: string;
  /** `export default globalThis`, for modules that read Node's `global`. */
  global: string;
}

let cached: BrowserShimPaths | undefined;

export function browserShimPaths(): BrowserShimPaths {
  if (cached) return cached;
  const fromHere = createRequire(import.meta.url);
  const sdkPackage = fromHere.resolve('@azure/event-hubs/package.json');
  const fromSdk = createRequire(sdkPackage);
  // 'buffer/' with the slash: a bare 'buffer' names Node's built-in module.
  const stub = (name: string) => fileURLToPath(new URL(`./stubs/${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  cached = { buffer: fromSdk.resolve('buffer/'), process: fromSdk.resolve('process/browser.js'), os: stub('os'), path: stub('path'), global: stub('global') };
  return cached;
}

/** The folder of the installed @azure/event-hubs (its dependencies resolve from there). */
export function sdkFolder(): string {
  return dirname(createRequire(import.meta.url).resolve('@azure/event-hubs/package.json'));
}

/** Identifiers a module may read as Node globals → [module, export] that provides them. */
export function injectedGlobals(paths: BrowserShimPaths = browserShimPaths()): Record<string, [string, string]> {
  return { Buffer: [paths.buffer, 'Buffer'], process: [paths.process, 'default'], global: [paths.global, 'default'] };
}

/** Node built-ins the SDK's dependencies import, each with its stub (both spellings). */
export function builtinStubs(paths: BrowserShimPaths = browserShimPaths()): Record<string, string> {
  return { os: paths.os, 'node:os': paths.os, path: paths.path, 'node:path': paths.path };
}
