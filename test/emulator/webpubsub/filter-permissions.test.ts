import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { isRealtimeError } from '../../../src/core/errors.js';
import { mintClientAccessToken } from '../../../src/core/webpubsub/client-token.js';
import { compileFilter, startWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { ConnectionPermissions, compileGroupPattern } from '../../../src/emulator/webpubsub/permissions.js';
import { nodeHmac } from '../../../src/node/hmac.js';

const ann = { connectionId: 'c1', userId: 'Ann', groups: ['g1', 'team.red'] };
const anonymous = { connectionId: 'c2', userId: undefined, groups: [] };

describe('OData filter subset', () => {
  it.each([
    ["'g1' in groups", true, false],
    ["not('g1' in groups)", false, true],
    ["userId eq 'Ann'", true, false],
    ["userId eq null", false, true],
    ["userId ne 'Ann' or connectionId eq 'c1'", true, true],
    ["userId in ('Ann','Bob') and 'team.red' in groups", true, false],
    ["tolower(userId) eq 'ann'", true, false],
    ["toupper(userId) eq 'ANN'", true, false],
    ["length(userId) gt 2", true, false],
    ["startswith(userId, 'A') and endswith(userId, 'n')", true, false],
    ["contains(connectionId, '2')", false, true],
    ["indexof(userId, 'nn') eq 1", true, false],
    ["substring(userId, 1) eq 'nn'", true, false],
    ["substring(userId, 0, 2) eq 'An'", true, false],
    ["concat(userId, '!') eq 'Ann!'", true, false],
    ["trim('  x ') eq 'x'", true, true],
    ["UserId eq 'Ann' AND ConnectionId eq 'c1'", true, false],
    ["userId eq 'O''Neil'", false, false],
  ])('%s', (filter, forAnn, forAnonymous) => {
    const predicate = compileFilter(filter);
    expect(predicate(ann)).toBe(forAnn);
    expect(predicate(anonymous)).toBe(forAnonymous);
  });

  it('parses escaped quotes', () => {
    expect(compileFilter("userId eq 'O''Neil'")({ connectionId: 'x', userId: "O'Neil", groups: [] })).toBe(true);
  });

  it.each(["userId eq 'open", 'userId eq', "frobnicate(userId) eq 'x'", "userId in groups extra", "'a' in ('b',", 'userId $ 1', 'substring(userId)'])(
    'rejects %s with a 400 protocol error',
    (filter) => {
      let caught: unknown;
      try {
        compileFilter(filter);
      } catch (error) {
        caught = error;
      }
      expect(isRealtimeError(caught, 'protocol')).toBe(true);
      expect((caught as { status: number }).status).toBe(400);
    },
  );
});

describe('permissions', () => {
  it('compiles wildcard group patterns (? * ** and escapes)', () => {
    expect(compileGroupPattern('team.*')!.test('team.red')).toBe(true);
    expect(compileGroupPattern('team.*')!.test('team.red.x')).toBe(false);
    expect(compileGroupPattern('team.**')!.test('team.red.x')).toBe(true);
    expect(compileGroupPattern('g?')!.test('g1')).toBe(true);
    expect(compileGroupPattern('g?')!.test('g.')).toBe(false);
    expect(compileGroupPattern('a\\*')!.test('a*')).toBe(true);
    expect(compileGroupPattern('a\\*')!.test('ab')).toBe(false);
    expect(compileGroupPattern('*.*.*.*.*.*')).toBeUndefined();
  });

  it('combines token roles with REST grants and revokes', () => {
    const permissions = new ConnectionPermissions(['webpubsub.sendToGroup', 'webpubsub.joinLeaveGroup.g1']);
    expect(permissions.has('sendToGroup', 'any')).toBe(true);
    permissions.revoke('sendToGroup', 'secret');
    expect(permissions.has('sendToGroup', 'secret')).toBe(false);
    expect(permissions.has('sendToGroup', 'any')).toBe(true);
    expect(permissions.has('joinLeaveGroup', 'g1')).toBe(true);
    expect(permissions.has('joinLeaveGroup', 'g2')).toBe(false);
    permissions.grant('joinLeaveGroup');
    expect(permissions.has('joinLeaveGroup', 'g2')).toBe(true);
    permissions.revoke('joinLeaveGroup');
    expect(permissions.has('joinLeaveGroup', 'g1')).toBe(false);
  });
});

describe('emulator options', () => {
  it('reads hub settings from a JSON config file and serves TLS with a generated certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wps-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ hubs: { Anon: { allowAnonymous: true } } }));
    const emulator = await startWebPubSubEmulator({ port: 0, tls: true, config: file });
    try {
      expect(emulator.connectionString).toMatch(/^Endpoint=https:\/\/127\.0\.0\.1:\d+;AccessKey=.+;Version=1\.0;$/);
      const status = await new Promise<number>((resolve, reject) => {
        request(`${emulator.endpoint}/api/health`, { method: 'HEAD', rejectUnauthorized: false }, (res) => resolve(res.statusCode!)).on('error', reject).end();
      });
      expect(status).toBe(200);
      const open = (url: string) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(url, ['json.webpubsub.azure.v1'], { rejectUnauthorized: false });
          ws.once('open', () => {
            ws.close();
            resolve(101);
          });
          ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
        });
      expect(await open(`wss://127.0.0.1:${emulator.port}/client/hubs/anon`)).toBe(101);
      expect(await open(`wss://127.0.0.1:${emulator.port}/client/hubs/other`)).toBe(401);
      const { url } = await mintClientAccessToken({ endpoint: emulator.endpoint, hub: 'other', accessKey: emulator.accessKey, hmac: nodeHmac });
      expect(await open(url)).toBe(101);
    } finally {
      await emulator.close();
    }
  });

  it('validates hub settings from a file or the options, naming the place of a mistake; a whole-emulator file gives its webpubsub section', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wps-config-'));
    const file = (name: string, value: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(value));
      return path;
    };
    await expect(startWebPubSubEmulator({ port: 0, config: file('no-url.json', { hubs: { chat: { eventHandlers: [{ systemEvents: ['connect'] }] } } }) })).rejects.toThrow(
      /hubs\.chat\.eventHandlers\[0\]\.urlTemplate to be a non-empty string/,
    );
    await expect(startWebPubSubEmulator({ port: 0, config: { hubs: { chat: { eventHandlers: [{ urlTemplate: 'http://x', systemEvents: ['hello' as never] }] } } } })).rejects.toThrow(
      /systemEvents\[0\] to be connect, connected or disconnected, got a string/,
    );
    await expect(startWebPubSubEmulator({ port: 0, hubs: { chat: { allowAnonymous: 'yes' as never } } })).rejects.toThrow(/allowAnonymous to be a boolean/);
    await expect(startWebPubSubEmulator({ port: 0, config: file('bad.json', '{') })).rejects.toThrow(TypeError);
    const emulator = await startWebPubSubEmulator({ port: 0, config: file('whole.json', { relay: {}, webpubsub: { hubs: { Anon: { allowAnonymous: true } } } }) });
    try {
      expect(emulator.inspect().snapshot().hubs.map((hub) => hub.name)).toContain('anon');
    } finally {
      await emulator.close();
    }
  });
});

