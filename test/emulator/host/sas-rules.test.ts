import { describe, expect, it } from 'vitest';
import { createSasToken } from '../../../src/core/sas.js';
import { findRule, normalizeSasRules, ROOT_RULE, ruleWithKey, tokenKeyName, verifyWithRule, withRootRule } from '../../../src/emulator/host/sas-rules.js';

describe('shared access rules', () => {
  it('expands Manage, accepts both key spellings and finds names case-insensitively, entity level first', () => {
    const entity = normalizeSasRules('entity', [{ name: 'App', primaryKey: 'k1', secondaryKey: 'k2', rights: ['manage'] }]);
    const namespace = normalizeSasRules('namespace', [{ name: 'app', key: 'k3', rights: ['Send'] }]);
    expect([...entity[0]!.rights].sort()).toEqual(['Listen', 'Manage', 'Send']);
    expect(entity[0]!.keys).toEqual(['k1', 'k2']);
    expect(findRule([entity, namespace], 'APP')).toBe(entity[0]);
    expect(findRule([namespace], 'App')!.keys).toEqual(['k3']);
    expect(findRule([entity], 'other')).toBeUndefined();
  });

  it('rejects bad rules with a TypeError or RangeError that names the place', () => {
    expect(() => normalizeSasRules('rules', [{ name: 'a', primaryKey: 'k', rights: ['Read'] }])).toThrow(/rules\[0\]\.rights\[0\] to be Listen, Send or Manage/);
    expect(() => normalizeSasRules('rules', [{ name: 'a', rights: [] }])).toThrow(/rules\[0\]\.primaryKey/);
    const thirteen = Array.from({ length: 13 }, (_, i) => ({ name: `r${i}`, primaryKey: 'k', rights: [] }));
    expect(() => normalizeSasRules('rules', thirteen)).toThrow(RangeError);
    expect(() => normalizeSasRules('rules', [{ name: 'a', key: 'k', rights: [] }, { name: 'A', key: 'j', rights: [] }])).toThrow(/unique rule names in rules, got A twice/);
  });

  it("finds the rule a presented key belongs to: either key, the name in any case, never another rule's key", () => {
    const rules = normalizeSasRules('r', [
      { name: 'App', primaryKey: 'first', secondaryKey: 'second', rights: ['Send'] },
      { name: 'other', primaryKey: 'third', rights: ['Listen'] },
    ]);
    expect(ruleWithKey(rules, 'app', 'second')).toBe(rules[0]);
    expect(ruleWithKey(rules, 'APP', 'first')).toBe(rules[0]);
    expect(ruleWithKey(rules, 'App', 'third')).toBeUndefined();
    expect(ruleWithKey(rules, 'nobody', 'first')).toBeUndefined();
  });

  it('keeps the root rule unless the config redefines its name', () => {
    expect(withRootRule([])[0]).toBe(ROOT_RULE);
    const own = normalizeSasRules('n', [{ name: ROOT_RULE.name.toUpperCase(), primaryKey: 'mine', rights: ['Listen'] }]);
    expect(withRootRule(own)).toEqual(own);
  });

  it('verifies with the secondary key when the primary does not match, and refuses other keys', async () => {
    const [rule] = normalizeSasRules('r', [{ name: 'app', primaryKey: 'first', secondaryKey: 'second', rights: ['Send'] }]);
    const resourceUri = 'sb://ns.servicebus.windows.net/hub';
    const signedWithSecond = await createSasToken({ resourceUri, keyName: 'app', key: 'second', ttlSeconds: 60 });
    expect(tokenKeyName(signedWithSecond)).toBe('app');
    await expect(verifyWithRule(signedWithSecond, rule!)).resolves.toMatchObject({ keyName: 'app' });
    const signedWithOther = await createSasToken({ resourceUri, keyName: 'app', key: 'third', ttlSeconds: 60 });
    await expect(verifyWithRule(signedWithOther, rule!)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
