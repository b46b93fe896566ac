import { hexEncode } from '../encoding.js';
import { describeValue } from '../errors.js';

// What the browser checkpoint stores (IndexedDB, Web Storage) share with the blob store's rules
// (docs/protocol/eventhubs.md §11.2): how names are checked and scoped, and fresh etags.

export function requireName(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`expected ${name} as a non-empty string, got ${describeValue(value)}`);
  return value;
}

/** Lowercased like the blob store's names, so `Localhost:5672` and `localhost:5672` are one namespace. */
export function scopeOf(fullyQualifiedNamespace: string, eventHubName: string, consumerGroup: string): string {
  const parts = [requireName('fullyQualifiedNamespace', fullyQualifiedNamespace), requireName('eventHubName', eventHubName), requireName('consumerGroup', consumerGroup)];
  return parts.join('/').toLowerCase();
}

export const randomEtag = (): string => hexEncode(crypto.getRandomValues(new Uint8Array(12)));
