import { RealtimeError, describeValue } from './errors.js';
import { stripHcSegment } from './relay/hc-rules.js';

// Reading SAS tokens and the resource URI they are signed for (docs/protocol/relay.md §2), apart
// from minting and verifying (sas.ts): a token provider checks a fixed token up front and the relay
// client computes its audience when constructed, while the HMAC work loads on first use.

const SAS_PREFIX = 'SharedAccessSignature ';

export interface ParsedSasToken {
  /** `sr` decoded. */
  resourceUri: string;
  /** `sr` exactly as sent: the bytes the signature covers. */
  encodedResourceUri: string;
  keyName: string;
  /** Unix seconds. */
  expiresAt: number;
  /** base64 HMAC, decoded from the URL encoding. */
  signature: string;
}

function invalid(message: string): RealtimeError {
  return new RealtimeError('invalid_token', `expected a SharedAccessSignature token ${message}`, { status: 401 });
}

function decodeComponent(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid(`with a URL-encoded ${name}, got a malformed escape`);
  }
}

export function parseSasToken(token: string): ParsedSasToken {
  if (typeof token !== 'string') throw invalid(`string, got ${describeValue(token)}`);
  const text = token.trim();
  if (!text.startsWith(SAS_PREFIX)) throw invalid('starting with "SharedAccessSignature ", got another scheme');
  const fields = new Map<string, string>();
  for (const pair of text.slice(SAS_PREFIX.length).trim().split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalid('of key=value pairs, got a pair without "="');
    const name = pair.slice(0, eq).trim().toLowerCase();
    if (fields.has(name)) throw invalid(`with one ${name}, got two`);
    fields.set(name, pair.slice(eq + 1).trim());
  }
  const missing = ['sr', 'sig', 'se', 'skn'].filter((name) => !fields.get(name));
  if (missing.length > 0) throw invalid(`with sr, sig, se and skn, got none for ${missing.join(', ')}`);
  const se = fields.get('se')!;
  if (!/^\d{1,15}$/.test(se)) throw invalid('with se in Unix seconds, got a non-numeric se');
  const encodedResourceUri = fields.get('sr')!;
  return {
    resourceUri: decodeComponent('sr', encodedResourceUri),
    encodedResourceUri,
    keyName: decodeComponent('skn', fields.get('skn')!),
    expiresAt: Number(se),
    signature: decodeComponent('sig', fields.get('sig')!),
  };
}

/**
 * The audience the official Node helpers sign for a Relay/Service Bus address (docs/protocol/relay.md §2):
 * scheme http, no port, query or fragment, `$hc/` removed, host lowercased, no trailing slash.
 */
export function sasResourceUri(address: string): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new TypeError(`expected an absolute URI such as sb://{namespace}/{path}, got ${describeValue(address)}`);
  }
  const path = stripHcSegment(url.pathname).replace(/\/+$/, '');
  return `http://${url.hostname.toLowerCase()}${path}`;
}
