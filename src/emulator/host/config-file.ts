import { readFileSync } from 'node:fs';
import { record } from './config-values.js';

// The one reader of emulator config files. A file holds `{ "relay": {…}, "webpubsub": {…},
// "eventhubs": {…} }`; Microsoft's Event Hubs emulator `Config.json` (`UserConfig.NamespaceConfig`,
// docs/protocol/eventhubs.md §10) is recognised and routed to Event Hubs as it is, so a file
// written for that emulator works unchanged. Reading is synchronous: it happens once at start.

export type ConfiguredService = 'relay' | 'webpubsub' | 'eventhubs';
export const CONFIGURED_SERVICES: readonly ConfiguredService[] = ['relay', 'webpubsub', 'eventhubs'];

export type ServiceSections = Partial<Record<ConfiguredService, Record<string, unknown>>>;

/** Parses a JSON file; every failure is a TypeError naming the file, never echoing its content. */
export function readJsonFile(path: string, what = 'emulator config'): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TypeError(`${what}: could not read ${path} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new TypeError(`${what}: expected ${path} to hold JSON, got a parse error: ${(cause as Error).message}`, { cause });
  }
}

/** True for Microsoft's Event Hubs emulator Config.json. */
export function isMicrosoftEventHubsConfig(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && 'UserConfig' in raw;
}

/** Splits a parsed config file into the sections of each service. */
export function serviceSections(raw: unknown, source = 'the config'): ServiceSections {
  if (isMicrosoftEventHubsConfig(raw)) return { eventhubs: raw as Record<string, unknown> };
  const top = record(source, raw);
  const sections: ServiceSections = {};
  for (const [name, value] of Object.entries(top)) {
    if (!CONFIGURED_SERVICES.includes(name as ConfiguredService)) {
      throw new TypeError(`emulator config: expected the sections of ${source} to be relay, webpubsub or eventhubs, got ${JSON.stringify(name)}`);
    }
    sections[name as ConfiguredService] = record(`${source}.${name}`, value);
  }
  return sections;
}

/** Reads a config file into per-service sections (the CLI's `--config`). */
export function readConfigFile(path: string): ServiceSections {
  return serviceSections(readJsonFile(path), path);
}

/** A service's `config` option: an object as it is, or a file path read and validated as an object. */
export function resolveConfigOption(service: ConfiguredService, option: unknown): Record<string, unknown> | undefined {
  if (option === undefined) return undefined;
  if (typeof option !== 'string') return record(`the ${service} config`, option);
  const raw = readJsonFile(option, `${service} emulator config`);
  if (service === 'eventhubs' && isMicrosoftEventHubsConfig(raw)) return raw as Record<string, unknown>;
  const sections = isMicrosoftEventHubsConfig(raw) ? {} : (raw as Record<string, unknown>);
  // A whole-emulator file given to one service: take that service's section.
  const own = sections[service];
  return record(option, typeof own === 'object' && own !== null && !Array.isArray(own) ? own : raw);
}
