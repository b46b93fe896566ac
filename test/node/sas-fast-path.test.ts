import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as core from '../../src/core/index.js';
import * as node from '../../src/node/index.js';

// The Node entry mints SAS tokens synchronously underneath (issue 12: tokens/s against createHmac
// inline). These pin what that path must keep: the same bytes as core, the caller's HMAC when one is
// given, rejections instead of throws, and no promise hop per step.

const keyName = 'RootManageSharedAccessKey';
const key = 'W2hlbGxvLXJlbGF5LXRlc3Qta2V5XQ==';
const now = Date.UTC(2030, 0, 1);

function expected(resourceUri: string, expiresAt: number, name = keyName): string {
  const sr = encodeURIComponent(resourceUri);
  const sig = createHmac('sha256', key).update(`${sr}\n${expiresAt}`).digest('base64');
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${expiresAt}&skn=${encodeURIComponent(name)}`;
}

describe('createSasToken on the Node entry', () => {
  it('mints the bytes core mints, for many resources and rule names (past the encoding cache)', async () => {
    for (let i = 0; i < 150; i++) {
      const resourceUri = `http://ns.servicebus.windows.net/hc-${i}/ä b`;
      const name = `rule ${i % 70}`;
      const options = { resourceUri, keyName: name, key, ttlSeconds: 60, now };
      const token = await node.createSasToken(options);
      expect(token).toBe(expected(resourceUri, now / 1000 + 60, name));
      expect(await core.createSasToken({ ...options, hmac: node.nodeHmac })).toBe(token);
    }
  });

  it('uses a caller-given hmac or runtime.hmac instead of node:crypto', async () => {
    const calls: string[] = [];
    const hmac = (_key: string | Uint8Array, message: string | Uint8Array) => {
      calls.push(String(message));
      return new Uint8Array(32);
    };
    const options = { resourceUri: 'http://ns/hc', keyName, key, expiresAt: 100 };
    expect(await node.createSasToken({ ...options, hmac })).toContain(`sig=${encodeURIComponent('A'.repeat(43) + '=')}`);
    await node.createSasToken({ ...options, runtime: { hmac } });
    expect(calls).toEqual(['http%3A%2F%2Fns%2Fhc\n100', 'http%3A%2F%2Fns%2Fhc\n100']);
  });

  it('rejects bad options (never throws synchronously)', async () => {
    const bad = [null, { resourceUri: '', keyName, key }, { resourceUri: 'http://ns/hc', keyName, key, ttlSeconds: 0 }] as unknown as core.CreateSasTokenOptions[];
    for (const options of bad) {
      let promise: Promise<string> | undefined;
      expect(() => (promise = node.createSasToken(options))).not.toThrow();
      await expect(promise).rejects.toThrow(/expected/);
    }
  });

  it('is settled by the next microtask with node:crypto and with a synchronous hmac in core', async () => {
    const settled: string[] = [];
    void node.createSasToken({ resourceUri: 'http://ns/hc', keyName, key }).then(() => settled.push('node'));
    void core.createSasToken({ resourceUri: 'http://ns/hc', keyName, key, hmac: core.nobleHmac }).then(() => settled.push('core'));
    await Promise.resolve();
    expect(settled).toEqual(['node', 'core']);
  });
});
