import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Makes `azure-realtime` resolvable by name from a scratch node_modules folder, as in a user's app. */
export function linkSelf(folder = join(root, 'test/runtimes')) {
  mkdirSync(join(folder, 'node_modules'), { recursive: true });
  const link = join(folder, 'node_modules/azure-realtime');
  rmSync(link, { force: true, recursive: true });
  symlinkSync(root, link, 'dir');
  return join(folder, 'node_modules');
}
