import { expect, test, vi } from 'vitest';

// The certificate generator pulls in megabytes of pure-JS crypto; an emulator serving plain
// ws/http must not load it (its heap made the Relay emulator's GC start full incremental marking
// under 64 KB WebSocket traffic, issue 12). It loads when a certificate is generated.

const loads = vi.hoisted(() => ({ count: 0 }));
vi.mock('selfsigned', async () => {
  loads.count++;
  return vi.importActual('selfsigned');
});

test('starting emulators without TLS does not load the certificate generator; generating a certificate does', async () => {
  const { startRelayEmulator } = await import('../../src/emulator/relay/index.js');
  const { startWebPubSubEmulator } = await import('../../src/emulator/webpubsub/index.js');
  const relay = await startRelayEmulator({ port: 0 });
  const webpubsub = await startWebPubSubEmulator({ port: 0 });
  await relay.close();
  await webpubsub.close();
  expect(loads.count).toBe(0);
  const { generateCertificate } = await import('../../src/emulator/tls.js');
  const material = await generateCertificate(['localhost']);
  expect(material.cert).toContain('BEGIN CERTIFICATE');
  expect(loads.count).toBe(1);
});
