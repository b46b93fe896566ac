import { RealtimeError } from '../errors.js';

// JSON.parse takes any depth, but JSON.stringify (re-encoding a message for its receivers) overflows the
// stack near 5,000 levels: a frame that decodes must also re-encode, so depth is bounded at decode time.
// 64 is System.Text.Json's default MaxDepth, what a .NET service reading the frame would apply [?].
export const MAX_JSON_DEPTH = 64;

/**
 * Throws RealtimeError('protocol') when `text` nests arrays/objects deeper than `maxDepth`. A linear scan
 * of the raw text (strings skipped), so it runs before JSON.parse and costs no allocation.
 */
export function assertJsonDepth(text: string, where: string, maxDepth = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new RealtimeError('protocol', `${where}: JSON nested deeper than ${maxDepth} levels`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
