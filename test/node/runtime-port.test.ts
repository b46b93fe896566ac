import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as core from '../../src/core/index.js';
import * as node from '../../src/node/index.js';

// The Node entry binds one runtime (src/node/runtime.ts: node:crypto HMAC, `ws` with headers) to every
// export that signs or dials. Each check below makes WebCrypto fail, so an export that silently fell
// back to core's default HMAC (as verifyEventSignature did) rejects instead of answering.

const KEY = 'access-key';
const signature = (connectionId: string) => `sha256=${createHmac('sha256', KEY).update(connectionId).digest('hex')}`;

function breakWebCrypto() {
  vi.spyOn(globalThis.crypto.subtle, 'sign').mockRejectedValue(new Error('WebCrypto was used'));
  vi.spyOn(globalThis.crypto.subtle, 'importKey').mockRejectedValue(new Error('WebCrypto was used'));
}

afterEach(() => vi.restoreAllMocks());

describe('the Node runtime', () => {
  it('is node:crypto HMAC and a WebSocket that carries headers', () => {
    expect(node.nodeRuntime.hmac).toBe(node.nodeHmac);
    expect(node.nodeRuntime.WebSocket).toBe(node.NodeWebSocket);
    expect(node.nodeRuntime.webSocketHeaders).toBe(true);
  });

  it('proves the check: core without a runtime does use WebCrypto', async () => {
    breakWebCrypto();
    await expect(core.verifyEventSignature(signature('c1'), 'c1', [KEY])).rejects.toThrow('WebCrypto was used');
  });

  it('verifies and computes event signatures with node:crypto', async () => {
    breakWebCrypto();
    await expect(node.verifyEventSignature(signature('c1'), 'c1', [KEY])).resolves.toBe(true);
    await expect(node.computeEventSignature('c1', [KEY])).resolves.toBe(signature('c1'));
  });

  it('checks ce-signature in the event handler with node:crypto', async () => {
    breakWebCrypto();
    const handler = node.createWebPubSubEventHandler({ hub: 'chat', accessKeys: [KEY], onConnected: () => {} });
    const headers = {
      'ce-specversion': '1.0',
      'ce-awpsversion': '1.0',
      'ce-source': '/hubs/chat/client/c1',
      'ce-id': '1',
      'ce-time': new Date().toISOString(),
      'ce-type': 'azure.webpubsub.sys.connected',
      'ce-hub': 'chat',
      'ce-connectionid': 'c1',
      'ce-eventname': 'connected',
      'ce-signature': signature('c1'),
      'webhook-request-origin': 'contoso.webpubsub.azure.com',
      'content-type': 'application/json',
    };
    const response = await handler(new Request('http://localhost/eventhandler', { method: 'POST', headers, body: '{}' }));
    expect([response.status, await response.text()]).toEqual([204, '']);
  });

  it('signs tokens and REST calls with node:crypto', async () => {
    breakWebCrypto();
    await expect(node.createSasToken({ resourceUri: 'http://ns/hub', keyName: 'k', key: KEY })).resolves.toMatch(/^SharedAccessSignature /);
    await expect(node.signJwt({ sub: 'u' }, KEY)).resolves.toMatch(/\./);
    await expect(node.mintClientAccessToken({ endpoint: 'https://x.webpubsub.azure.com', hub: 'chat', accessKey: KEY })).resolves.toHaveProperty('token');
    const client = new node.WebPubSubServiceClient('Endpoint=https://x.webpubsub.azure.com;AccessKey=a2V5;Version=1.0;', 'chat');
    await expect(client.getClientAccessToken()).resolves.toHaveProperty('token');
    const fetch = vi.fn(async () => new Response(null, { status: 202 }));
    const withFetch = new node.WebPubSubServiceClient('https://x.webpubsub.azure.com', { key: KEY }, 'chat', { fetch });
    await withFetch.sendToAll('hi', { contentType: 'text/plain' });
    expect(fetch).toHaveBeenCalledOnce();
  });

  it('gives the relay classes node:crypto and the header-capable WebSocket, unless the caller brings another', async () => {
    breakWebCrypto();
    const CS = 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v;EntityPath=h';
    const seen: Array<{ url: string; header: string | null }> = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(input), header: new Headers(init?.headers).get('ServiceBusAuthorization') });
      return new Response('ok');
    };
    await new node.HybridConnectionClient(CS, { fetch }).fetch('/x');
    expect(seen[0]!.header).toMatch(/^SharedAccessSignature /);
    expect(seen[0]!.url).not.toContain('sb-hc-token');
    // A caller's own WebSocket (say the W3C one) is not assumed to carry headers.
    await new node.HybridConnectionClient(CS, { fetch, runtime: { WebSocket: node.NodeWebSocket } }).fetch('/x');
    expect(seen[1]!.header).toBeNull();
    expect(seen[1]!.url).toContain('sb-hc-token=');
  });
});
