import { describe, expect, it } from 'vitest';
import { createSasToken } from '../../../src/core/sas.js';
import type { SasRule } from '../../../src/emulator/host/sas-rules.js';
import { authorize } from '../../../src/emulator/relay/auth.js';
import { HybridConnection, RelayNamespace } from '../../../src/emulator/relay/entities.js';
import { VerifiedTokens } from '../../../src/emulator/host/verified-tokens.js';
import type { RelayTokenProof } from '../../../src/emulator/relay/auth.js';
import { nodeHmac } from '../../../src/node/hmac.js';

// A sender's token is checked once (signature), then taken from the table while it is valid: the
// expiry is still checked on every request, the audience and claim too, and a rule whose keys
// changed no longer vouches for it.

const KEY = 'a-test-key-of-some-length=';

/** A rule that counts how often its keys are read (each read is one signature check). */
function countingRule(keys: string[], rights: Array<'Listen' | 'Send' | 'Manage'> = ['Send']): SasRule & { reads: number } {
  const rule = {
    name: 'sender',
    reads: 0,
    get keys() {
      rule.reads++;
      return keys;
    },
    rights: new Set(rights),
  };
  return rule;
}

function entityWith(rule: SasRule): HybridConnection {
  const spec = { name: 'hc', requiresClientAuthorization: true, httpEnabled: true, rules: [] };
  const namespace = new RelayNamespace({ name: 'ns', host: 'ns.servicebus.windows.net', rules: [rule], hybridConnections: [spec], autoCreate: false });
  return new HybridConnection(namespace, spec);
}

const tokenFor = (path: string, expiresAt: number, key = KEY) => createSasToken({ resourceUri: `http://127.0.0.1/${path}`, keyName: 'sender', key, hmac: nodeHmac, expiresAt });

describe('verified SAS tokens', () => {
  it('checks a reused token’s signature once, its expiry every time', async () => {
    const rule = countingRule([KEY]);
    const entity = entityWith(rule);
    const verified = new VerifiedTokens<RelayTokenProof>();
    const now = 1_700_000_000_000;
    const token = await tokenFor('hc', now / 1000 + 60);
    for (let i = 0; i < 50; i++) expect(await authorize({ entity, token, claim: 'Send', hostHeader: '127.0.0.1', now, verified })).toMatchObject({ ok: true });
    expect(rule.reads).toBe(1);
    expect(verified.size).toBe(1);
    expect(await authorize({ entity, token, claim: 'Send', hostHeader: '127.0.0.1', now: now + 60_000, verified })).toMatchObject({ ok: false, status: 401, message: expect.stringMatching(/ExpiredToken/) });
  });

  it('still checks audience and claim per request, and keeps no failed token', async () => {
    const rule = countingRule([KEY], ['Listen']);
    const entity = entityWith(rule);
    const verified = new VerifiedTokens<RelayTokenProof>();
    const now = 1_700_000_000_000;
    const token = await tokenFor('hc', now / 1000 + 60);
    expect(await authorize({ entity, token, claim: 'Listen', hostHeader: '127.0.0.1', now, verified })).toMatchObject({ ok: true });
    expect(await authorize({ entity, token, claim: 'Send', hostHeader: '127.0.0.1', now, verified })).toMatchObject({ ok: false, status: 403 });
    const elsewhere = await tokenFor('other', now / 1000 + 60);
    expect(await authorize({ entity, token: elsewhere, claim: 'Listen', hostHeader: '127.0.0.1', now, verified })).toMatchObject({ ok: false, status: 403 });
    expect(await authorize({ entity, token: elsewhere, claim: 'Listen', hostHeader: '127.0.0.1', now, verified })).toMatchObject({ ok: false, status: 403 });
    const forged = await tokenFor('hc', now / 1000 + 60, 'not-the-key');
    expect(await authorize({ entity, token: forged, claim: 'Listen', hostHeader: '127.0.0.1', now, verified })).toMatchObject({ ok: false, status: 401 });
    expect(await authorize({ entity, token: forged, claim: 'Listen', hostHeader: '127.0.0.1', now, verified })).toMatchObject({ ok: false, status: 401 });
    // The valid token and the one for another path verified; the forged one was never kept.
    expect(verified.size).toBe(2);
  });

  it('does not take a token verified by a rule that has since been replaced (new keys)', async () => {
    const verified = new VerifiedTokens<RelayTokenProof>();
    const now = 1_700_000_000_000;
    const token = await tokenFor('hc', now / 1000 + 60);
    expect(await authorize({ entity: entityWith(countingRule([KEY])), token, claim: 'Send', hostHeader: '127.0.0.1', now, verified })).toMatchObject({ ok: true });
    const rotated = countingRule(['a-new-key-after-rotation=']);
    expect(await authorize({ entity: entityWith(rotated), token, claim: 'Send', hostHeader: '127.0.0.1', now, verified })).toMatchObject({ ok: false, status: 401 });
    expect(rotated.reads).toBe(1);
  });

  it('holds at most its capacity, dropping the oldest', () => {
    const table = new VerifiedTokens<RelayTokenProof>(3);
    const rule = countingRule([KEY]);
    const parsed = { resourceUri: 'x', encodedResourceUri: 'x', keyName: 'sender', expiresAt: 2e9, signature: 's' };
    for (const name of ['a', 'b', 'c', 'd']) table.add(name, { rule, parsed }, parsed.expiresAt * 1000);
    expect(table.size).toBe(3);
    expect(table.get('a', 0, (proof) => proof.rule === rule)).toBeUndefined();
    expect(table.get('d', 0, (proof) => proof.rule === rule)).toBeDefined();
  });
});
