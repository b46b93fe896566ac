import { describe, expect, it } from 'vitest';
import {
  formatServiceBusConnectionString,
  isRealtimeError,
  parseRelayConnectionString,
  parseRelayQuickstartConfig,
  parseWebPubSubConnectionString,
} from '../../src/core/index.js';

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('Service Bus (Relay, Event Hubs) connection strings', () => {
  it('parses the portal form with keys in any case and "=" inside values', () => {
    const parsed = parseRelayConnectionString(
      'Endpoint=sb://contoso.servicebus.windows.net/;sharedaccesskeyname=RootManageSharedAccessKey;SharedAccessKey=abc+/def==;EntityPath=hyco',
    );
    expect(parsed).toEqual({
      endpoint: 'sb://contoso.servicebus.windows.net/',
      host: 'contoso.servicebus.windows.net',
      entityPath: 'hyco',
      sharedAccessKeyName: 'RootManageSharedAccessKey',
      sharedAccessKey: 'abc+/def==',
      useDevelopmentEmulator: false,
    });
  });

  it('parses the emulator form with a port and UseDevelopmentEmulator', () => {
    const parsed = parseRelayConnectionString('Endpoint=sb://127.0.0.1:7380;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true');
    expect(parsed).toMatchObject({ endpoint: 'sb://127.0.0.1:7380/', host: '127.0.0.1', port: 7380, useDevelopmentEmulator: true });
  });

  it('accepts a SharedAccessSignature instead of a key', () => {
    const parsed = parseRelayConnectionString('Endpoint=sb://ns/;SharedAccessSignature=SharedAccessSignature sr=a&sig=b&se=1&skn=c');
    expect(parsed.sharedAccessSignature).toBe('SharedAccessSignature sr=a&sig=b&se=1&skn=c');
  });

  it.each([
    ['empty', ''],
    ['no endpoint', 'SharedAccessKeyName=k;SharedAccessKey=v'],
    ['no credentials', 'Endpoint=sb://ns/'],
    ['name without key', 'Endpoint=sb://ns/;SharedAccessKeyName=k'],
    ['garbage segment', 'Endpoint=sb://ns/;oops;SharedAccessKeyName=k;SharedAccessKey=v'],
    ['duplicate key', 'Endpoint=sb://ns/;Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=v'],
    ['bad emulator flag', 'Endpoint=sb://ns/;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=yes'],
  ])('rejects %s with a typed error that does not echo the key', (_name, text) => {
    const error = failure(() => parseRelayConnectionString(text));
    expect(isRealtimeError(error, 'invalid_connection_string')).toBe(true);
    expect(error.message).toMatch(/^expected/);
    expect(error.message).not.toContain('=v');
  });

  it('formats back to a string the parser reads', () => {
    const parsed = parseRelayConnectionString(formatServiceBusConnectionString({ endpoint: 'sb://ns/', sharedAccessKeyName: 'k', sharedAccessKey: 'v', entityPath: 'p', useDevelopmentEmulator: true }));
    expect(parsed).toMatchObject({ entityPath: 'p', useDevelopmentEmulator: true });
  });
});

describe('Web PubSub connection strings', () => {
  it('adds https:// and a trailing slash like the official SDK', () => {
    expect(parseWebPubSubConnectionString('Endpoint=contoso.webpubsub.azure.com;AccessKey=k;Version=1.0;')).toEqual({
      endpoint: 'https://contoso.webpubsub.azure.com/',
      accessKey: 'k',
      version: '1.0',
    });
  });

  it('keeps http:// for the emulator and lets Port override the URL port', () => {
    expect(parseWebPubSubConnectionString('Endpoint=http://localhost:8080;Port=9090;AccessKey=k;')).toMatchObject({ endpoint: 'http://localhost:9090/', port: 9090 });
  });

  it('rejects a missing AccessKey and a bad Port', () => {
    expect(isRealtimeError(failure(() => parseWebPubSubConnectionString('Endpoint=http://x')), 'invalid_connection_string')).toBe(true);
    expect(failure(() => parseWebPubSubConnectionString('Endpoint=http://x;AccessKey=k;Port=99999')).message).toMatch(/Port/);
  });
});

describe('Python relay quickstart config.json', () => {
  it('reads namespace, path, keyrule and key', () => {
    expect(parseRelayQuickstartConfig('{"namespace":"ns.servicebus.windows.net","path":"hc","keyrule":"r","key":"k"}')).toEqual({ namespace: 'ns.servicebus.windows.net', path: 'hc', keyrule: 'r', key: 'k' });
  });
  it('names the missing fields', () => {
    expect(failure(() => parseRelayQuickstartConfig({ namespace: 'n' })).message).toMatch(/path, keyrule, key/);
    expect(failure(() => parseRelayQuickstartConfig('{')).message).toMatch(/unparsable/);
  });
});
