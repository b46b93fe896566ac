import { expect, test, vi } from 'vitest';

// Issue 10 #15: the SASL PLAIN key is compared in constant time, with core's comparison.
const compared = vi.hoisted(() => ({ calls: [] as Array<[string, string]> }));
vi.mock('../../../src/core/encoding.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/core/encoding.js')>();
  return {
    ...actual,
    timingSafeEqual: (a: string, b: string) => {
      compared.calls.push([a, b]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

const { CbsAuthority, ConnectionGrants } = await import('../../../src/emulator/eventhubs/cbs.js');
const { normalizeSasRules } = await import('../../../src/emulator/host/sas-rules.js');

test('SASL PLAIN checks the key with the constant-time comparison, and only the right key passes', () => {
  const authority = new CbsAuthority({ namespace: { name: 'ns' } as never, rules: normalizeSasRules('policies', [{ name: 'send', key: 'the-right-key', rights: ['Send'] }]) });
  const refused = new ConnectionGrants();
  expect(authority.plainLogin(refused, 'send', 'the-wrong-key')).toBe(false);
  expect(refused.granted).toBe(false);
  expect(compared.calls).toContainEqual(['the-right-key', 'the-wrong-key']);
  const granted = new ConnectionGrants();
  expect(authority.plainLogin(granted, 'send', 'the-right-key')).toBe(true);
  expect(granted.granted).toBe(true);
  expect(authority.plainLogin(new ConnectionGrants(), 'nobody', 'the-right-key')).toBe(false);
});
