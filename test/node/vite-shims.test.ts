import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { runInNewContext } from 'node:vm';
import * as esbuild from 'esbuild';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { browserPlugin, prebundledFrom } from '../../src/vite/browser-plugin.js';
import { azureRealtimeEsbuild } from '../../src/vite/esbuild.js';
import { browserShimPaths } from '../../src/vite/shims.js';
import * as osStub from '../../src/vite/stubs/os.js';
import * as pathStub from '../../src/vite/stubs/path.js';
import { azureRealtimeWebpack, type WebpackCompilerLike } from '../../src/vite/webpack.js';

// The browser shims behind azure-realtime/vite: the path stub against Node's POSIX rules, the Vite
// plugin's config (browser environments only), the esbuild plugin running a bundle in a context
// without Node's globals, and the webpack plugin's fallback merge.

describe('the path stub', () => {
  const segment = fc.constantFrom('a', 'b.txt', '.', '..', '', 'c.d.e', '/');
  const pathLike = fc.array(segment, { maxLength: 6 }).map((parts) => parts.join(''));

  it('agrees with node:path.posix on join, normalize, dirname, basename, extname, isAbsolute', () => {
    fc.assert(
      fc.property(fc.array(pathLike, { minLength: 1, maxLength: 4 }), (parts) => {
        expect(pathStub.join(...parts)).toBe(posix.join(...parts));
        for (const part of parts.filter((p) => p !== '')) {
          expect(pathStub.normalize(part)).toBe(posix.normalize(part));
          expect(pathStub.dirname(part)).toBe(posix.dirname(part));
          expect(pathStub.basename(part)).toBe(posix.basename(part));
          expect(pathStub.extname(part)).toBe(posix.extname(part));
          expect(pathStub.isAbsolute(part)).toBe(posix.isAbsolute(part));
        }
      }),
    );
  });

  it('agrees with node:path.posix.resolve from an absolute start', () => {
    fc.assert(
      fc.property(pathLike, fc.array(pathLike, { maxLength: 3 }), (start, rest) => {
        expect(pathStub.resolve(`/${start}`, ...rest)).toBe(posix.resolve(`/${start}`, ...rest));
      }),
    );
  });

  it('has what rhea calls, and the os stub answers without describing a machine', () => {
    expect(pathStub.join(osStub.homedir(), '.config/messaging')).toBe('/.config/messaging');
    expect(osStub.default.hostname()).toBe('localhost');
  });
});

describe('the Vite plugin (browser half)', () => {
  const paths = browserShimPaths();

  it('finds buffer and process where @azure/event-hubs does, and our stubs', () => {
    for (const path of Object.values(paths)) expect(existsSync(path), path).toBe(true);
    expect(paths.process).toMatch(/process[/\\]browser\.js$/);
  });

  it('configures browser environments only', async () => {
    const plugin = browserPlugin();
    const config = plugin.config as (user: { root?: string }) => void;
    config({ root: process.cwd() });
    const configEnvironment = plugin.configEnvironment as (name: string, env: { consumer?: string }) => Record<string, any> | undefined;
    expect(configEnvironment('ssr', { consumer: 'server' })).toBeUndefined();
    const client = configEnvironment('client', {})!;
    expect(client.optimizeDeps.include).toEqual(['@azure/event-hubs', '@azure/core-util']);
    expect(client.optimizeDeps.rolldownOptions.transform.inject).toEqual({ Buffer: [paths.buffer, 'Buffer'], process: [paths.process, 'default'], global: [paths.global, 'default'] });
    expect(client.build.rolldownOptions.transform.inject).toEqual(client.optimizeDeps.rolldownOptions.transform.inject);
    expect(configEnvironment('worker', { consumer: 'client' })).toBeDefined();

    const resolveId = plugin.resolveId as (this: unknown, source: string) => string | null;
    const inEnvironment = (consumer: string) => ({ environment: { config: { consumer } } });
    expect(resolveId.call(inEnvironment('client'), 'os')).toBe(paths.os);
    expect(resolveId.call(inEnvironment('client'), 'node:path')).toBe(paths.path);
    expect(resolveId.call(inEnvironment('server'), 'os')).toBeNull();
    expect(resolveId.call(inEnvironment('client'), 'fs')).toBeNull();
  });

  it('names the SDK through azure-realtime where the app root cannot resolve it (pnpm)', () => {
    expect(prebundledFrom(process.cwd())).toEqual(['@azure/event-hubs', '@azure/core-util']);
    expect(prebundledFrom('/')).toEqual(['azure-realtime > @azure/event-hubs', 'azure-realtime > @azure/core-util']);
  });
});

describe('azureRealtimeEsbuild', () => {
  it('bundles code that reads process, Buffer, global, os and path into something that runs without Node globals', async () => {
    const source = `
      import os from 'os';
      import { join } from 'node:path';
      globalThis.result = [typeof process.nextTick, process.env.NODE_DEBUG ?? 'unset', Buffer.from('hi').toString('hex'), global === globalThis, join(os.homedir(), 'x')].join(' ');`;
    const built = await esbuild.build({ stdin: { contents: source, resolveDir: process.cwd() }, bundle: true, write: false, format: 'iife', platform: 'browser', logLevel: 'silent', plugins: [azureRealtimeEsbuild() as esbuild.Plugin] });
    const sandbox: Record<string, unknown> = { setTimeout, clearTimeout, TextEncoder, TextDecoder };
    sandbox.globalThis = sandbox;
    runInNewContext(built.outputFiles[0]!.text, sandbox);
    expect(sandbox.result).toBe('function unset 6869 true /x');
    expect(sandbox.process).toBeUndefined(); // injected per module, not installed globally
  });

  it('fails to bundle the same code without it (the check can fail)', async () => {
    await expect(esbuild.build({ stdin: { contents: "import 'os';", resolveDir: process.cwd() }, bundle: true, write: false, platform: 'browser', logLevel: 'silent' })).rejects.toThrow(/Could not resolve "os"/);
  });
});

describe('azureRealtimeWebpack', () => {
  const compiler = (fallback?: unknown) => {
    const provided: Array<Record<string, string | string[]>> = [];
    class ProvidePlugin {
      constructor(definitions: Record<string, string | string[]>) {
        provided.push(definitions);
      }
      apply() {}
    }
    return { provided, compiler: { webpack: { ProvidePlugin }, options: { resolve: { fallback } } } satisfies WebpackCompilerLike };
  };
  const paths = browserShimPaths();

  it('provides process and Buffer and adds os/path fallbacks, keeping the app\'s own', () => {
    const { provided, compiler: c } = compiler({ os: '/app/os-browserify.js', fs: false });
    azureRealtimeWebpack().apply(c);
    expect(provided).toEqual([{ process: paths.process, Buffer: [paths.buffer, 'Buffer'] }]);
    expect(c.options.resolve.fallback).toEqual({ os: '/app/os-browserify.js', path: paths.path, fs: false });
  });

  it('adds to the array form of fallback too', () => {
    const { compiler: c } = compiler([{ name: 'path', alias: '/app/path.js' }]);
    azureRealtimeWebpack().apply(c);
    expect(c.options.resolve.fallback).toEqual([{ name: 'path', alias: '/app/path.js' }, { name: 'os', alias: paths.os }]);
  });
});
