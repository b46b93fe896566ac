import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RealtimeError } from '../../src/core/errors.js';
import { compileFilter, type FilterSubject } from '../../src/emulator/webpubsub/odata-filter.js';
import { mutatedText } from './harness/mutate.js';
import { PROPERTY_TIMEOUT_MS } from './harness/budget.js';
import { checkProperty } from './harness/property.js';
import { expectTyped } from './harness/typed.js';

// OData `filter` of the Web PubSub REST API (docs/protocol/webpubsub.md §3): any text compiles
// or fails with RealtimeError status 400, and a compiled predicate evaluates without throwing.

const SEEDS = [
  "userId eq 'user-1'",
  "'g1' in groups and not(connectionId ne 'c1')",
  "startswith(userId, 'a') or length(userId) gt 3 and indexof(connectionId, 'x') ge -1",
  "substring(tolower(userId), 1, 2) eq 'se' or concat(trim(userId), 'x') le 'zz'",
  "userId eq null or contains(toupper(connectionId), 'C') and endswith(userId, '''s')",
  "(userId ne 'a') and ((('g''2' in groups)))",
];
const SUBJECTS: FilterSubject[] = [
  { connectionId: 'c1', userId: 'user-1', groups: ['g1', "g'2"] },
  { connectionId: 'C-2', userId: undefined, groups: [] },
];

const atom = fc.oneof(
  fc.constantFrom('userId', 'connectionId', 'groups', 'null', 'true', 'false', "'g1'", "''''", '-1', '0', '99999999999999999999'),
  fc.string({ maxLength: 8 }).map((text) => `'${text.replaceAll("'", "''")}'`),
  fc.integer().map(String),
);
const { expression } = fc.letrec<{ expression: string }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('expression'), fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le', 'and', 'or', 'in'), tie('expression')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('expression').map((inner) => `not (${inner})`),
    tie('expression').map((inner) => `(${inner})`),
    fc
      .tuple(fc.constantFrom('tolower', 'toupper', 'trim', 'length', 'substring', 'endswith', 'startswith', 'contains', 'indexof', 'concat', 'unknown'), fc.array(tie('expression'), { maxLength: 3 }))
      .map(([name, args]) => `${name}(${args.join(', ')})`),
  ),
}));

function compileAndRun(text: string): void {
  const predicate = expectTyped(() => compileFilter(text), [RealtimeError]);
  if (predicate instanceof Error) {
    expect((predicate as RealtimeError).status).toBe(400);
    return;
  }
  for (const subject of SUBJECTS) expectTyped(() => predicate(subject), []);
}

describe('OData filter (compileFilter)', () => {
  it('seeds compile', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    for (const seed of SEEDS) expect(typeof compileFilter(seed)).toBe('function');
  });
  it('arbitrary text and grammatical expressions', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    checkProperty('odata filter, arbitrary', fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), expression), compileAndRun);
  });
  it('mutated valid filters', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    checkProperty('odata filter, mutated', mutatedText(SEEDS), compileAndRun);
  });
  it('deep nesting is a 400, not a stack overflow (finding 14)', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    for (const depth of [100, 2_000, 4_000]) {
      compileAndRun(`${'('.repeat(depth)}userId eq 'a'${')'.repeat(depth)}`);
      compileAndRun(`${'not '.repeat(depth)}true`);
      compileAndRun(`${'tolower('.repeat(depth)}userId${')'.repeat(depth)} eq 'a'`);
    }
  });
});
