import { expect, test } from 'vitest';
import { ConnectionGrants, MAX_AUDIENCES_PER_CONNECTION } from '../../../src/emulator/eventhubs/cbs.js';

// What one AMQP connection's put-tokens leave behind is bounded: the grants were an array that
// every successful put-token appended to, so a client re-putting one valid token (or any token,
// with acceptAnyToken) grew the process by 130 MB per 200,000 and slowed every attach check.

const SEND = new Set(['Send'] as const);
const LISTEN = new Set(['Listen'] as const);
const size = (grants: ConnectionGrants) => (grants as unknown as { grants: { size: number } }).grants.size;

test('a token put again for the same audience replaces the earlier one', () => {
  const grants = new ConnectionGrants();
  for (let i = 0; i < 10_000; i++) grants.add({ path: 'eh1', claims: SEND, expiresAt: Number.POSITIVE_INFINITY });
  expect(size(grants)).toBe(1);
  // Audiences are case-insensitive; the renewal's claims are what counts from then on.
  grants.add({ path: 'EH1', claims: LISTEN, expiresAt: Number.POSITIVE_INFINITY });
  expect(size(grants)).toBe(1);
  expect(grants.allows('eh1', 'Listen')).toBe(true);
  expect(grants.allows('eh1', 'Send')).toBe(false);
  expect(grants.granted).toBe(true);
});

test('distinct audiences per connection are capped; the one put longest ago goes first', () => {
  const grants = new ConnectionGrants();
  for (let i = 0; i <= MAX_AUDIENCES_PER_CONNECTION; i++) {
    grants.add({ path: `eh1/ConsumerGroups/$default/Partitions/${i}`, claims: LISTEN, expiresAt: Number.POSITIVE_INFINITY });
  }
  expect(size(grants)).toBe(MAX_AUDIENCES_PER_CONNECTION);
  expect(grants.allows('eh1/ConsumerGroups/$default/Partitions/0', 'Listen')).toBe(false);
  expect(grants.allows(`eh1/ConsumerGroups/$default/Partitions/${MAX_AUDIENCES_PER_CONNECTION}`, 'Listen')).toBe(true);
});
