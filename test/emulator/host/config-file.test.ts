import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigFile, resolveConfigOption } from '../../../src/emulator/host/config-file.js';

const dir = mkdtempSync(join(tmpdir(), 'emulator-config-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const microsoft = { UserConfig: { NamespaceConfig: [{ Type: 'EventHub', Name: 'emulatorNs1', Entities: [{ Name: 'eh1', PartitionCount: '2', ConsumerGroups: [] }] }] } };

describe('emulator config files', () => {
  it('splits a whole-emulator file into service sections', () => {
    const path = file('all.json', JSON.stringify({ relay: { namespaces: [] }, eventhubs: { hubs: [] } }));
    expect(readConfigFile(path)).toEqual({ relay: { namespaces: [] }, eventhubs: { hubs: [] } });
  });

  it("routes Microsoft's Event Hubs Config.json to Event Hubs", () => {
    const path = file('Config.json', JSON.stringify(microsoft));
    expect(readConfigFile(path)).toEqual({ eventhubs: microsoft });
    expect(resolveConfigOption('eventhubs', path)).toEqual(microsoft);
  });

  it('takes the own section of a whole-emulator file given to one service', () => {
    const path = file('both.json', JSON.stringify({ webpubsub: { hubs: { chat: {} } } }));
    expect(resolveConfigOption('webpubsub', path)).toEqual({ hubs: { chat: {} } });
  });

  it('fails with a TypeError naming the file for bad JSON, a missing file, or an unknown section', () => {
    expect(() => readConfigFile(file('bad.json', '{"relay": '))).toThrow(/bad\.json to hold JSON/);
    expect(() => readConfigFile(join(dir, 'missing.json'))).toThrow(/could not read .*missing\.json \(ENOENT\)/);
    expect(() => readConfigFile(file('odd.json', '{"kafka": {}}'))).toThrow(/relay, webpubsub or eventhubs, got "kafka"/);
    expect(() => readConfigFile(file('list.json', '[]'))).toThrow(TypeError);
  });
});
