import { describe, expect, it } from 'vitest';
import {
  createRelayAudience,
  createRelayConnectUrl,
  createRelayHttpUrl,
  createRelayListenUrl,
  createRelayRejectUrl,
  relayAppUrl,
  stripRelayTrackingSuffix,
} from '../../../src/core/relay/index.js';

const NS = 'contoso.servicebus.windows.net';

describe('relay URL builders (relay note §1.2–1.5)', () => {
  it('builds listen and connect URLs under $hc with the sb-hc-* parameters after the app query', () => {
    expect(createRelayListenUrl({ namespace: NS, path: 'hyco' })).toBe(`wss://${NS}/$hc/hyco?sb-hc-action=listen`);
    expect(createRelayListenUrl({ namespace: NS, path: 'hyco', id: 'g-1', token: 'SharedAccessSignature sr=a&sig=b' })).toBe(
      `wss://${NS}/$hc/hyco?sb-hc-action=listen&sb-hc-id=g-1&sb-hc-token=SharedAccessSignature+sr%3Da%26sig%3Db`,
    );
    expect(createRelayConnectUrl({ namespace: NS, path: 'hyco', suffix: '/chat/room1', query: { a: '1', 'sb-hc-action': 'listen' } })).toBe(
      `wss://${NS}/$hc/hyco/chat/room1?a=1&sb-hc-action=connect`,
    );
  });

  it('uses ws/http for the emulator and keeps the port', () => {
    expect(createRelayListenUrl({ namespace: '127.0.0.1:9000', path: 'h', secure: false })).toBe('ws://127.0.0.1:9000/$hc/h?sb-hc-action=listen');
    expect(createRelayHttpUrl({ namespace: '127.0.0.1:9000', path: 'h', secure: false, suffix: 'x', query: '?q=1' })).toBe('http://127.0.0.1:9000/h/x?q=1');
  });

  it('builds HTTP URLs without $hc and encodes path segments', () => {
    expect(createRelayHttpUrl({ namespace: NS, path: 'my hyco', token: 't' })).toBe(`https://${NS}/my%20hyco?sb-hc-token=t`);
  });

  it('appends sb-hc-statusCode / sb-hc-statusDescription to reject (not the unprefixed form the Node packages send)', () => {
    const address = `wss://g1.${NS}:443/$hc/hyco?sb-hc-action=accept&sb-hc-id=x`;
    expect(createRelayRejectUrl(address, 403, 'no entry')).toBe(`${address}&sb-hc-statusCode=403&sb-hc-statusDescription=no%20entry`);
    expect(() => createRelayRejectUrl(address, 42)).toThrow(RangeError);
  });

  it('signs the audience http://{host}/{path} without port, host lowercased', () => {
    expect(createRelayAudience('Contoso.ServiceBus.Windows.Net:443', 'hyco')).toBe(`http://${NS}/hyco`);
  });

  it('strips gateway suffixes from tracking ids and protocol parts from app URLs', () => {
    expect(stripRelayTrackingSuffix('1f0e_G0_G12')).toBe('1f0e');
    expect(relayAppUrl(`wss://g1.${NS}:443/$hc/hyco/a/b?x=1&sb-hc-action=accept&sb-hc-id=z`, NS)).toBe(`https://${NS}/hyco/a/b?x=1`);
    expect(relayAppUrl('/hyco?sb-hc-token=secret', '127.0.0.1:8', false)).toBe('http://127.0.0.1:8/hyco');
  });

  it('refuses to build without namespace or path', () => {
    expect(() => createRelayListenUrl({ namespace: '', path: 'x' })).toThrow(TypeError);
  });
});
