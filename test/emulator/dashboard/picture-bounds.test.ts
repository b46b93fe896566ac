import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { cutString } from '../../../src/emulator/dashboard/bound-picture.js';
import { startEmulator, type StartedEmulator } from '../../../src/emulator/start.js';
import type { RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { clientUrl, connectRaw, isAck, RELIABLE_PROTOCOL } from '../webpubsub/helpers.js';
import { LOADED_MACHINE } from '../../shared/until.js';

// A picture's size does not follow the names clients chose: every string is cut, and list items
// stop past maxPictureBytes with a count of what was left out.

const MAX_BYTES = 16 * 1024;
let emulator: StartedEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ webpubsub: { port: 0 }, dashboard: { port: 0, intervalMs: 50, maxPictureBytes: MAX_BYTES } });
});
afterAll(() => emulator.close());

function strings(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') found.push(value);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) strings(item, found);
  return found;
}

test('long user IDs and group names are cut and a picture with many groups stays bounded', async () => {
  const wps = emulator.services.webpubsub as RunningWebPubSubEmulator;
  const userId = 'u'.repeat(5000);
  const client = await connectRaw(await clientUrl(wps, 'bounded', { userId, roles: ['webpubsub.joinLeaveGroup'] }), RELIABLE_PROTOCOL);
  await client.next((m) => m.event === 'connected');
  const groups = 200;
  for (let i = 1; i <= groups; i++) client.send({ type: 'joinGroup', group: `${i}-${'g'.repeat(1000)}`, ackId: i });
  await client.next(isAck(groups), 20_000);

  let text = '';
  await vi.waitFor(async () => {
    text = await (await fetch(`${emulator.dashboard!.url}snapshot`)).text();
    expect(text).toContain('"userId":"uuu');
  }, LOADED_MACHINE);
  const picture = JSON.parse(text) as { omitted?: Array<{ path: string; more: number }> };
  // Past the bound at most the item being added when it was reached (itself bounded by the string cut).
  expect(text.length).toBeLessThan(MAX_BYTES + 8 * 1024);
  for (const value of strings(picture)) expect(value.length).toBeLessThanOrEqual(256);
  expect(text).toContain(`"userId":"${'u'.repeat(255)}…"`);
  const omitted = (picture.omitted ?? []).reduce((sum, list) => sum + list.more, 0);
  expect(omitted).toBeGreaterThan(0);
  client.ws.close();
}, 30_000);

test('a cut string ends in an ellipsis and never splits a surrogate pair', () => {
  expect(cutString('short', 256)).toBe('short');
  expect(cutString('abcdef', 4)).toBe('abc…');
  expect(cutString('ab😀def', 4)).toBe('ab…');
});
