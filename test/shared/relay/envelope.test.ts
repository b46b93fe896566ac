import { describe, expect, it } from 'vitest';
import { decodeEnvelope, decodeQuickstartMessage, encodeEnvelope, encodeQuickstartMessage } from '../../../src/core/codec/envelope.js';
import { RealtimeError } from '../../../src/core/errors.js';

describe('application envelope codec', () => {
  it('round-trips text, JSON and binary', () => {
    for (const envelope of [
      { type: 'text', text: 'héllo' },
      { type: 'json', value: { a: [1, 'x'], b: null } },
      { type: 'binary', data: new Uint8Array([0, 255, 7]) },
    ] as const) {
      expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
    }
  });

  it('keeps bracket-led text that is not JSON as text, and honours json: never', () => {
    expect(decodeEnvelope('{not json')).toEqual({ type: 'text', text: '{not json' });
    expect(decodeEnvelope('{"a":1}', { json: 'never' })).toEqual({ type: 'text', text: '{"a":1}' });
  });

  it('speaks the Python quickstart sender frame {"message": …}', () => {
    expect(encodeQuickstartMessage('hi there')).toBe('{"message":"hi there"}');
    expect(decodeQuickstartMessage('{"message": "from python"}')).toBe('from python');
    expect(decodeQuickstartMessage(new TextEncoder().encode('{"message":"bytes"}'))).toBe('bytes');
  });

  it('rejects oversized and malformed frames with typed errors', () => {
    const tooBig = () => decodeEnvelope(new Uint8Array(11), { maxBytes: 10 });
    expect(tooBig).toThrow(RealtimeError);
    expect(tooBig).toThrow(/at most 10 bytes, got 11/);
    expect(() => decodeEnvelope('ééééé', { maxBytes: 9 })).toThrow(expect.objectContaining({ code: 'too_large' }));
    expect(() => decodeQuickstartMessage('plain')).toThrow(expect.objectContaining({ code: 'protocol' }));
    expect(() => decodeQuickstartMessage('{"message": 5}')).toThrow(expect.objectContaining({ code: 'protocol' }));
    expect(() => decodeQuickstartMessage(new Uint8Array([0xff, 0xfe]))).toThrow(expect.objectContaining({ code: 'protocol' }));
    expect(() => encodeEnvelope({ type: 'json', value: undefined })).toThrow(TypeError);
    expect(() => encodeEnvelope({ type: 'nope' } as never)).toThrow(TypeError);
  });
});
