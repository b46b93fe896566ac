// What a browser bundle gets for Node's `path`: POSIX rules on strings. rhea (under
// @azure/event-hubs) requires it for `join`, used only to look for a connect.json file.

export const sep = '/';
export const delimiter = ':';

export function normalize(path: string): string {
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else out.push(part);
  }
  const joined = out.join('/');
  const trailing = path.endsWith('/') ? '/' : '';
  if (joined === '') return absolute ? '/' : `.${trailing}`;
  return (absolute ? '/' : '') + joined + trailing;
}

export const join = (...parts: string[]): string => normalize(parts.filter((part) => part !== '').join('/') || '.');
export const isAbsolute = (path: string): boolean => path.startsWith('/');
export const resolve = (...parts: string[]): string => {
  const start = parts.reduce<string>((acc, part) => (part.startsWith('/') ? part : `${acc}/${part}`), '/');
  const result = normalize(start);
  return result.length > 1 && result.endsWith('/') ? result.slice(0, -1) : result;
};
// Node's scan: skip trailing slashes and the last segment; what is left before its slash is the dirname.
export function dirname(path: string): string {
  if (path === '') return '.';
  const hasRoot = path.startsWith('/');
  let end = -1;
  let inTrailingSlashes = true;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] !== '/') inTrailingSlashes = false;
    else if (!inTrailingSlashes) {
      end = i;
      break;
    }
  }
  if (end === -1) return hasRoot ? '/' : '.';
  return hasRoot && end === 1 ? '//' : path.slice(0, end);
}
export function basename(path: string, suffix?: string): string {
  const base = path.replace(/\/+$/, '').split('/').pop() ?? '';
  return suffix && base.endsWith(suffix) && base !== suffix ? base.slice(0, -suffix.length) : base;
}
export function extname(path: string): string {
  const base = basename(path);
  const index = base.lastIndexOf('.');
  return index <= 0 || base === '..' ? '' : base.slice(index);
}

export const posix = { sep, delimiter, normalize, join, isAbsolute, resolve, dirname, basename, extname };
export default posix;
