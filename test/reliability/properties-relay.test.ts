import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeControlMessage, encodeControlMessage, type ControlMessage } from '../../src/core/relay/protocol.js';
import { mutatedText } from './harness/mutate.js';
import { PROPERTY_TIMEOUT_MS } from './harness/budget.js';
import { checkProperty } from './harness/property.js';
import { expectTyped } from './harness/typed.js';

// Relay control-channel frames (docs/protocol/relay.md §1.3–1.6): whatever text arrives, the
// decoder returns a message or throws RealtimeError('protocol'), and what it returns re-encodes.

const VALID: ControlMessage[] = [
  { type: 'accept', address: 'wss://127.0.0.1:9/$hc/hyco?sb-hc-action=accept&sb-hc-id=abc', id: 'abc', connectHeaders: { 'Sec-WebSocket-Protocol': 'chat' }, remoteEndpoint: { address: '10.0.0.1', port: 5000 } },
  { type: 'request', address: 'wss://127.0.0.1:9/$hc/hyco?sb-hc-action=request&sb-hc-id=r1', id: 'r1', requestTarget: '/hyco/items?q=1', method: 'POST', requestHeaders: { 'content-type': 'text/plain' }, body: true, remoteEndpoint: { address: '::1', port: 1 } },
  { type: 'requestRendezvous', address: 'wss://127.0.0.1:9/$hc/hyco?sb-hc-action=request&sb-hc-id=r2', id: 'r2' },
  { type: 'response', requestId: 'r1', statusCode: 200, statusDescription: 'OK', responseHeaders: { via: '1.1 x' }, body: false },
  { type: 'renewToken', token: 'SharedAccessSignature sr=http%3A%2F%2Fx%2Fhyco&sig=abc&se=1&skn=k' },
];
const SEEDS = VALID.map(encodeControlMessage);

function decodeAndReencode(text: string): void {
  const decoded = expectTyped(() => decodeControlMessage(text));
  if (!(decoded instanceof Error)) expectTyped(() => encodeControlMessage(decoded));
}

describe('relay control frames (decodeControlMessage)', () => {
  it('decodes every seed (the mutations start from valid frames)', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    for (const seed of SEEDS) expect(decodeControlMessage(seed)).toBeTruthy();
  });

  it('arbitrary strings and JSON values: a message or a typed error, quickly', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    const arbitrary = fc.oneof(fc.string({ unit: 'binary', maxLength: 512 }), fc.json({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify({ accept: value })));
    checkProperty('relay control frames, arbitrary', arbitrary, decodeAndReencode);
  });

  it('mutations of valid frames: a message or a typed error, quickly', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    checkProperty('relay control frames, mutated', mutatedText(SEEDS), decodeAndReencode);
  });

  it('deep nesting and oversize frames are refused with a typed error', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    decodeAndReencode(`{"accept":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    decodeAndReencode(JSON.stringify({ renewToken: { token: 'x'.repeat(200_000) } }));
  });
});
