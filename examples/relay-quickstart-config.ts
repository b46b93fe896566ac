import { readFileSync } from 'node:fs';
import { createSasTokenProvider, parseRelayQuickstartConfig, type RelayEntityOptions } from 'azure-realtime';

// The Python quickstart's config.json ({ namespace, path, keyrule, key }) as relay entity options.
// `"useDevelopmentEmulator": true` (our addition) dials ws:// and http:// for the local emulator;
// the checked-in relay-config.json points at `azure-realtime emulator` on its default port.
export function loadQuickstartEntity(file = process.argv[2] ?? new URL('./relay-config.json', import.meta.url)): RelayEntityOptions {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const config = parseRelayQuickstartConfig(raw);
  return {
    namespace: config.namespace,
    path: config.path,
    useDevelopmentEmulator: raw.useDevelopmentEmulator === true,
    tokenProvider: createSasTokenProvider({ keyName: config.keyrule, key: config.key }),
  };
}
