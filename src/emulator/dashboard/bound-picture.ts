// Bounds a dashboard picture before it is sent. The services' inspectors copy names as clients
// chose them (user IDs, group names, client IDs, hub names), and at their maximum counts the
// picture could reach hundreds of MB per viewer every interval. So every string is cut to
// `maxStringLength` characters (ending in "…"), and list items stop being added once the picture
// holds about `maxBytes`; what was left out is counted in `omitted`, by where the list is.

export interface PictureBounds {
  maxStringLength: number;
  maxBytes: number;
}

export interface OmittedItems {
  /** Where the list is, e.g. `webpubsub.hubs[0].users`. */
  path: string;
  /** Items of it not shown. */
  more: number;
}

/** A string of at most `max` characters; a cut one ends in "…" and never splits a surrogate pair. */
export function cutString(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = Math.max(0, max - 1);
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

/** A copy of `picture` within `bounds`, with `omitted` listing the lists cut short. */
export function boundPicture<T extends object>(picture: T, bounds: PictureBounds): T & { omitted?: OmittedItems[] } {
  const omitted: OmittedItems[] = [];
  // JSON bytes, estimated as the walk goes (UTF-16 units plus punctuation; close enough for a bound).
  let used = 0;
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      const cut = cutString(value, bounds.maxStringLength);
      used += cut.length + 3;
      return cut;
    }
    if (value === null || typeof value !== 'object') {
      used += 8;
      return value;
    }
    if (Array.isArray(value)) {
      const kept: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        if (used >= bounds.maxBytes) {
          omitted.push({ path, more: value.length - i });
          break;
        }
        kept.push(walk(value[i], `${path}[${i}]`));
      }
      return kept;
    }
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      used += key.length + 4;
      copy[key] = walk(item, path ? `${path}.${key}` : key);
    }
    return copy;
  };
  const bounded = walk(picture, '') as T & { omitted?: OmittedItems[] };
  if (omitted.length > 0) bounded.omitted = omitted;
  return bounded;
}
