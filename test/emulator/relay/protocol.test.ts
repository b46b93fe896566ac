import { describe, expect, it } from 'vitest';
import { isRealtimeError } from '../../../src/core/errors.js';
import {
  CONTROL_MESSAGE_MAX_LENGTH,
  decodeControlMessage,
  encodeControlMessage,
  headerMetadataSize,
  type ControlMessage,
} from '../../../src/core/relay/protocol.js';

// The shared control-channel codec (relay note §1.3–1.6). Wire shapes follow the protocol doc's
// examples and what hyco-https actually sends.

describe('encode / decode', () => {
  const messages: ControlMessage[] = [
    { type: 'accept', address: 'wss://g1.example/$hc/hyco?sb-hc-action=accept&sb-hc-id=a_G1', id: 'a_G1', connectHeaders: { Host: 'ns' }, remoteEndpoint: { address: '10.0.0.1', port: 1234 } },
    { type: 'request', address: 'wss://g1/$hc/hyco?sb-hc-action=request&sb-hc-id=r', id: 'r', requestTarget: '/hyco/x?y=1', method: 'POST', requestHeaders: { 'Content-Type': 'text/plain' }, body: true },
    { type: 'requestRendezvous', address: 'wss://g1/$hc/hyco?sb-hc-action=request&sb-hc-id=big', id: 'big' },
    { type: 'response', requestId: 'r', statusCode: 404, statusDescription: 'Not Found', responseHeaders: {}, body: false },
    { type: 'renewToken', token: 'SharedAccessSignature sr=x&sig=y&se=1&skn=z' },
  ];

  it.each(messages.map((m) => [m.type, m] as const))('%s round-trips', (_type, message) => {
    expect(decodeControlMessage(encodeControlMessage(message))).toEqual(message);
  });

  it('puts each message under its wire key', () => {
    expect(JSON.parse(encodeControlMessage(messages[2]!))).toEqual({ request: { address: (messages[2] as { address: string }).address, id: 'big' } });
    expect(Object.keys(JSON.parse(encodeControlMessage(messages[3]!)))).toEqual(['response']);
  });

  it('reads what hyco-https sends: numeric header values, status as a string in the doc example', () => {
    const decoded = decodeControlMessage('{"response":{"requestId":"1","statusCode":"200","responseHeaders":{"content-length":12},"body":true}}');
    expect(decoded).toEqual({ type: 'response', requestId: '1', statusCode: 200, responseHeaders: { 'content-length': '12' }, body: true });
  });

  it('a request without method is the rendezvous form', () => {
    expect(decodeControlMessage('{"request":{"address":"wss://x"}}')).toEqual({ type: 'requestRendezvous', address: 'wss://x' });
  });
});

describe('malformed input', () => {
  const bad: Array<[string, string]> = [
    ['not JSON', '{"accept":'],
    ['an array', '[]'],
    ['two kinds at once', '{"accept":{},"request":{}}'],
    ['an unknown kind', '{"ping":{}}'],
    ['a prototype key', '{"__proto__":{}}'],
    ['accept without id', '{"accept":{"address":"wss://x","connectHeaders":{}}}'],
    ['a header that is an object', '{"accept":{"address":"a","id":"b","connectHeaders":{"x":{}}}}'],
    ['a status out of range', '{"response":{"requestId":"1","statusCode":42,"body":false}}'],
    ['a body flag that is a string', '{"response":{"requestId":"1","statusCode":200,"body":"yes"}}'],
    ['renewToken without token', '{"renewToken":{}}'],
    ['oversized text', `{"renewToken":{"token":"${'x'.repeat(CONTROL_MESSAGE_MAX_LENGTH)}"}}`],
  ];

  it.each(bad)('%s → RealtimeError protocol', (_name, text) => {
    let caught: unknown;
    try {
      decodeControlMessage(text);
    } catch (error) {
      caught = error;
    }
    expect(isRealtimeError(caught, 'protocol')).toBe(true);
  });

  it('messages do not echo secrets or huge input', () => {
    try {
      decodeControlMessage(`{"${'k'.repeat(500)}":{}}`);
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(200);
    }
    expect.assertions(1);
  });
});

describe('headerMetadataSize', () => {
  it('counts UTF-8 bytes of method, target and headers', () => {
    expect(headerMetadataSize('GET', '/a', { b: 'é' })).toBe(3 + 2 + 1 + 2 + 4);
  });
});
