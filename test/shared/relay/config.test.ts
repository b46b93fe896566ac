import { describe, expect, it } from 'vitest';
import { entityToken } from '../../../src/core/relay/dial.js';
import { resolveRelayConfig } from '../../../src/core/relay/entity-config.js';
import { FakeWebSocket } from './fake-socket.js';

const KEY = 'SharedAccessKeyName=Root;SharedAccessKey=dGVzdC1rZXk=';

describe('relay options from a connection string or namespace + path', () => {
  it('a real namespace dials wss/https on 443 and signs http://{ns}/{path}', () => {
    const config = resolveRelayConfig(`Endpoint=sb://Contoso.servicebus.windows.net/;${KEY};EntityPath=hyco`, { WebSocket: FakeWebSocket });
    expect(config).toMatchObject({ namespace: 'contoso.servicebus.windows.net', path: 'hyco', secure: true, audience: 'http://contoso.servicebus.windows.net/hyco' });
  });

  it('UseDevelopmentEmulator=true keeps host:port and dials ws/http', () => {
    const config = resolveRelayConfig(`Endpoint=sb://127.0.0.1:7380/;${KEY};UseDevelopmentEmulator=true`, { WebSocket: FakeWebSocket, path: 'h' });
    expect(config).toMatchObject({ namespace: '127.0.0.1:7380', secure: false, audience: 'http://127.0.0.1/h' });
  });

  it('a SharedAccessSignature in the string is used as is', async () => {
    const sas = 'SharedAccessSignature sr=http%3A%2F%2Fns%2Fh&sig=abc&se=4102444800&skn=Root';
    const config = resolveRelayConfig(`Endpoint=sb://ns/;SharedAccessSignature=${sas}`, { WebSocket: FakeWebSocket, path: 'h' });
    await expect(entityToken(config)).resolves.toEqual({ token: sas, expiresAt: 4102444800 });
  });

  it('a malformed SharedAccessSignature is refused up front with invalid_token', () => {
    expect(() => resolveRelayConfig('Endpoint=sb://ns/;SharedAccessSignature=not-a-sas', { WebSocket: FakeWebSocket, path: 'h' })).toThrow(
      expect.objectContaining({ code: 'invalid_token' }),
    );
  });

  it('a key mints SAS tokens for the entity audience with the given lifetime', async () => {
    const config = resolveRelayConfig(`Endpoint=sb://ns/;${KEY}`, { WebSocket: FakeWebSocket, path: 'h', tokenTtlSeconds: 60, now: () => 1_000_000 });
    const { token, expiresAt } = (await entityToken(config))!;
    expect(expiresAt).toBe(1_060);
    expect(token).toMatch(/^SharedAccessSignature sr=http%3A%2F%2Fns%2Fh&sig=[^&]+&se=1060&skn=Root$/);
  });

  it('token placement: header for a passed constructor, query for the global one, explicit option wins', () => {
    const entity = { namespace: 'ns', path: 'h' };
    expect(resolveRelayConfig(entity, { WebSocket: FakeWebSocket }).tokenInHeader).toBe(true);
    expect(resolveRelayConfig(entity, { WebSocket: FakeWebSocket, tokenInHeader: false }).tokenInHeader).toBe(false);
    const global = (globalThis as { WebSocket?: typeof FakeWebSocket }).WebSocket;
    if (global) expect(resolveRelayConfig(entity, { WebSocket: global }).tokenInHeader).toBe(false);
  });

  it('refuses a string without a path and garbage input with clear errors', () => {
    expect(() => resolveRelayConfig(`Endpoint=sb://ns/;${KEY}`, { WebSocket: FakeWebSocket })).toThrow(/EntityPath/);
    expect(() => resolveRelayConfig(`Endpoint=sb://ns/`, { WebSocket: FakeWebSocket, path: 'h' })).toThrow(expect.objectContaining({ code: 'invalid_connection_string' }));
    expect(() => resolveRelayConfig({} as never, { WebSocket: FakeWebSocket })).toThrow(TypeError);
  });
});
