import WebSocket from 'ws';
import { describe, it } from 'vitest';
import { scale } from './harness/budget.js';
import { frame } from './harness/amqp-bytes.js';
import { EXHAUSTION_OPTIONS, HANDSHAKE_DEADLINE_MS, ehPort, holdOpen, settle, wpsPort } from './harness/exhaustion-tools.js';
import { EmulatorFixture } from './harness/fixture.js';
import { everyServiceWorks, webPubSubWorks } from './harness/legit.js';
import { upgradeRequest } from './harness/raw-ws.js';
import type { Socket } from 'node:net';

// Exhaustion, slow peers: slowloris on every port, and unauthenticated handshakes to new hub names.
// After each batch: the process is alive, its RSS under the bound, and a fresh client of every
// service still works. Limits are low (harness/exhaustion-tools.ts) so the short form reaches
// them in seconds; the long form uses the same limits with larger crowds.

const fixture = new EmulatorFixture(EXHAUSTION_OPTIONS);

const AMQP = Buffer.from('AMQP\x00\x01\x00\x00', 'latin1');
const SASL = Buffer.from('AMQP\x03\x01\x00\x00', 'latin1');
// open (0x10) with container-id "slowloris", and nothing after it: no token ever comes.
const OPEN = frame(Buffer.concat([Buffer.from([0x00, 0x53, 0x10, 0xc0, 0x0c, 0x01, 0xa1, 0x09]), Buffer.from('slowloris')]));
const PARTIAL_HTTP = [
  Buffer.from('GET /client/hubs/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n'),
  Buffer.from('GET /$hc/x?sb-hc-action=listen HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'),
  Buffer.from('G'),
];
/** Headers complete, body stalled: past the handshake, so not held to its deadline (reported, not asserted). */
const SLOW_BODY = Buffer.from('POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nonly a little');
const PARTIAL_AMQP = [AMQP.subarray(0, 4), AMQP, SASL, Buffer.concat([AMQP, OPEN]), upgradeRequest('/$servicebus/websocket', { 'Sec-WebSocket-Protocol': 'AMQPWSB10' }).subarray(0, 60)];

describe('exhaustion: slow handshakes and drive-by hubs', () => {
  it('slowloris on every port: fresh clients still served; half-finished handshakes dropped at the deadline', { timeout: 300_000 }, async () => {
    const perPort = scale(60, 1_500);
    const info = fixture.child.info;
    const ports: Array<[string, number, Buffer[], number | undefined]> = [
      ['eventhubs', ehPort(fixture.child), PARTIAL_AMQP, HANDSHAKE_DEADLINE_MS],
      ['relay', Number(info.relay.port), PARTIAL_HTTP, HANDSHAKE_DEADLINE_MS],
      ['relay rendezvous', Number(info.relay.rendezvousPort), PARTIAL_HTTP, HANDSHAKE_DEADLINE_MS],
      ['webpubsub', wpsPort(fixture.child), PARTIAL_HTTP, HANDSHAKE_DEADLINE_MS],
    ];
    const held: Array<{ port: string; deadline?: number; closed: () => boolean; socket: Socket }> = [];
    const slowBodies: Array<{ port: string; closed: () => boolean; socket: Socket }> = [];
    await fixture.batch({
      target: 'exhaustion: slowloris (every port)',
      cases: perPort * ports.length,
      attack: async () => {
        // Opened 200 at a time, each batch connected before the next: a burst of thousands of SYNs
        // would overflow the listen backlog and measure the kernel, not the emulator.
        for (const [name, port, partials, deadline] of ports) {
          for (let i = 0; i < perPort; i += 200) {
            const batch = Array.from({ length: Math.min(200, perPort - i) }, (_, j) => ({ port: name, ...(deadline ? { deadline } : {}), ...holdOpen(port, partials[(i + j) % partials.length]!) }));
            held.push(...batch);
            await Promise.all(batch.map((h) => new Promise((resolve) => (h.socket.connecting ? h.socket.once('connect', resolve).once('close', resolve) : resolve(undefined)))));
          }
          if (partials === PARTIAL_HTTP) for (let i = 0; i < perPort / 4; i++) slowBodies.push({ port: name, ...holdOpen(port, SLOW_BODY) });
        }
        const allHeld = Date.now();
        await settle(200);
        // Served while the slow sockets are held.
        await everyServiceWorks(fixture.child, fixture.secrets);
        // The deadline runs from each accept; allow 1.5 s past it, then up to 5 s more for a busy loop.
        await settle(Math.max(0, allHeld + HANDSHAKE_DEADLINE_MS + 1500 - Date.now()));
        const graceEnd = Date.now() + 5000;
        while (held.some((h) => !h.closed()) && Date.now() < graceEnd) await settle(100);
        const summary = ports.map(([name, , , deadline]) => {
          const mine = held.filter((h) => h.port === name);
          return { name, deadline, open: mine.filter((h) => !h.closed()).length };
        });
        const slowOpen = slowBodies.filter((h) => !h.closed()).length;
        for (const h of [...held, ...slowBodies]) h.socket.destroy();
        const stillOpen = summary.filter((s) => s.open > 0);
        const note = `${summary.map((s) => `${s.name}: ${s.open}/${perPort} still open`).join(', ')}; stalled request bodies (no deadline asserted): ${slowOpen}/${slowBodies.length} still open`;
        if (stillOpen.length) throw new Error(`half-finished handshakes outlived the deadline: ${note}`);
        return { note };
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });


  it('unauthenticated Web PubSub handshakes to new hub names allocate no hub (finding 9)', { timeout: 300_000 }, async () => {
    const count = scale(1_000, 20_000);
    await fixture.batch({
      target: `exhaustion: ${count} unauthenticated handshakes to new Web PubSub hubs`,
      cases: count,
      attack: async (child) => {
        const before = (await child.stats()).webpubsub?.hubs as number;
        let next = 0;
        const statuses = new Map<string, number>();
        await Promise.all(
          Array.from({ length: 32 }, async () => {
            while (next < count) {
              const hub = `drive_by_${next++}`;
              const status = await new Promise<string>((resolve) => {
                const ws = new WebSocket(`ws://127.0.0.1:${wpsPort(fixture.child)}/client/hubs/${hub}`, ['json.webpubsub.azure.v1']);
                ws.once('unexpected-response', (_req, res) => {
                  res.resume();
                  resolve(String(res.statusCode));
                });
                ws.once('open', () => resolve('opened'));
                ws.once('error', () => resolve('error'));
              });
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
            }
          }),
        );
        const after = (await child.stats()).webpubsub?.hubs as number;
        const summary = [...statuses].map(([status, n]) => `${n} × ${status}`).join(', ');
        if (typeof before !== 'number') throw new Error('the Web PubSub emulator has no stats().hubs');
        if (after > before) throw new Error(`hubs held in memory grew from ${before} to ${after} (${summary})`);
        if (statuses.get('opened')) return { letIn: statuses.get('opened')!, note: summary };
        return { note: `${summary}; hubs held ${before} → ${after}` };
      },
      legit: (child) => webPubSubWorks(child, fixture.secrets),
    });
  });
});
