import { browserShimPaths } from './shims.js';

// The browser shims of azureRealtime() for webpack 5: `plugins: [azureRealtimeWebpack()]` with a
// web target. `process` and `Buffer` through webpack's ProvidePlugin (an import added only to
// modules that read them); `os`/`path` as resolve.fallback entries, so a polyfill the app installed
// and named itself still wins. webpack 5 provides `global` for web targets itself (`node.global`).

/** The part of webpack's Compiler this plugin uses (webpack's own types stay optional for users). */
export interface WebpackCompilerLike {
  webpack: { ProvidePlugin: new (definitions: Record<string, string | string[]>) => { apply(compiler: never): void } };
  options: { resolve: { fallback?: unknown } };
}

export interface WebpackPluginLike {
  apply(compiler: WebpackCompilerLike): void;
}

export function azureRealtimeWebpack(): WebpackPluginLike {
  return {
    apply(compiler) {
      const paths = browserShimPaths();
      new compiler.webpack.ProvidePlugin({ process: paths.process, Buffer: [paths.buffer, 'Buffer'] }).apply(compiler as never);
      const resolve = compiler.options.resolve;
      const fallback = resolve.fallback;
      // webpack takes fallback as an object or as an array of { name, alias }.
      const ours = { os: paths.os, path: paths.path };
      if (Array.isArray(fallback)) {
        for (const [name, alias] of Object.entries(ours)) if (!fallback.some((entry: { name?: string }) => entry?.name === name)) fallback.push({ name, alias });
      } else {
        resolve.fallback = { ...ours, ...(fallback as Record<string, unknown> | undefined) };
      }
    },
  };
}
