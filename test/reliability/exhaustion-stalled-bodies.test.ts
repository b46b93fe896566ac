import { describe, it } from 'vitest';
import { scale } from './harness/budget.js';
import { EXHAUSTION_OPTIONS, ehPort, holdOpen, settle, wpsPort } from './harness/exhaustion-tools.js';
import { EmulatorFixture } from './harness/fixture.js';
import { everyServiceWorks } from './harness/legit.js';
import type { Socket } from 'node:net';

// Exhaustion, stalled request bodies: headers complete (the handshake deadline is met), then the
// body stops. exhaustion-slowloris.test.ts reports them without a deadline; since
// src/emulator/host/stalled-bodies.ts each is closed once its body made no progress for
// bodyIdleTimeoutMs, on every HTTP port, whether a route reads the body or answered without it.

const BODY_IDLE_MS = 1000;
const fixture = new EmulatorFixture({
  relay: { ...EXHAUSTION_OPTIONS.relay, bodyIdleTimeoutMs: BODY_IDLE_MS },
  webpubsub: { limits: { ...EXHAUSTION_OPTIONS.webpubsub.limits, bodyIdleTimeoutMs: BODY_IDLE_MS } },
  eventhubs: { limits: { ...EXHAUSTION_OPTIONS.eventhubs.limits, bodyIdleTimeoutMs: BODY_IDLE_MS } },
});

const slowBody = (path: string) => Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nonly a little`);

describe('exhaustion: stalled request bodies', () => {
  it('bodies that stop after their headers are closed on every HTTP port; fresh clients still served', { timeout: 300_000 }, async () => {
    const perPort = scale(100, 1_500);
    const info = fixture.child.info;
    const ports: Array<[string, number, Buffer]> = [
      ['relay', Number(info.relay.port), slowBody('/nobody-here')],
      ['relay rendezvous', Number(info.relay.rendezvousPort), slowBody('/x')],
      ['webpubsub REST', wpsPort(fixture.child), slowBody('/api/hubs/h/:send?api-version=2024-12-01')],
      ['webpubsub', wpsPort(fixture.child), slowBody('/x')],
      ['eventhubs', ehPort(fixture.child), slowBody('/x')],
    ];
    const held: Array<{ port: string; closed: () => boolean; socket: Socket }> = [];
    await fixture.batch({
      target: 'exhaustion: stalled request bodies (every HTTP port)',
      cases: perPort * ports.length,
      attack: async () => {
        for (const [name, port, bytes] of ports) {
          for (let i = 0; i < perPort; i += 200) {
            const batch = Array.from({ length: Math.min(200, perPort - i) }, () => ({ port: name, ...holdOpen(port, bytes) }));
            held.push(...batch);
            await Promise.all(batch.map((h) => new Promise((resolve) => (h.socket.connecting ? h.socket.once('connect', resolve).once('close', resolve) : resolve(undefined)))));
          }
        }
        const allHeld = Date.now();
        await everyServiceWorks(fixture.child, fixture.secrets);
        // Idle time, then the watch's sweep period of slack, then up to 5 s more for a busy loop.
        await settle(Math.max(0, allHeld + BODY_IDLE_MS + 1500 - Date.now()));
        const graceEnd = Date.now() + 5000;
        while (held.some((h) => !h.closed()) && Date.now() < graceEnd) await settle(100);
        const open = ports.map(([name]) => ({ name, open: held.filter((h) => h.port === name && !h.closed()).length }));
        for (const h of held) h.socket.destroy();
        const note = open.map((port) => `${port.name}: ${port.open}/${perPort} still open`).join(', ');
        if (open.some((port) => port.open > 0)) throw new Error(`stalled bodies outlived bodyIdleTimeoutMs: ${note}`);
        return { note };
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });
});
