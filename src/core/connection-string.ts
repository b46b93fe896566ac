import { RealtimeError, describeValue } from './errors.js';

// Connection strings of the three services: `Key=Value;` pairs, keys case-insensitive, values
// verbatim and split at the first "=" (keys and SAS values contain "=").

function invalid(message: string): RealtimeError {
  return new RealtimeError('invalid_connection_string', message);
}

export function parseConnectionStringPairs(text: string): Map<string, string> {
  if (typeof text !== 'string' || text.trim().length === 0) {
    throw invalid(`expected a connection string of Key=Value; pairs, got ${describeValue(text)}`);
  }
  const pairs = new Map<string, string>();
  for (const segment of text.split(';')) {
    if (segment.trim().length === 0) continue;
    const eq = segment.indexOf('=');
    if (eq <= 0) throw invalid('expected Key=Value pairs separated by ";", got a segment without "="');
    const key = segment.slice(0, eq).trim().toLowerCase();
    if (pairs.has(key)) throw invalid(`expected each key once, got ${segment.slice(0, eq).trim()} twice`);
    pairs.set(key, segment.slice(eq + 1).trim());
  }
  return pairs;
}

export interface ServiceBusConnectionString {
  /** `sb://host[:port]/` as given, with a trailing slash. */
  endpoint: string;
  /** Host (FQDN or IP) without port. */
  host: string;
  port?: number;
  entityPath?: string;
  sharedAccessKeyName?: string;
  sharedAccessKey?: string;
  sharedAccessSignature?: string;
  /** `UseDevelopmentEmulator=true`: plain ws:// / http:// / amqp:// to a local emulator. */
  useDevelopmentEmulator: boolean;
}

/** Relay and Event Hubs share the Service Bus form. */
export function parseServiceBusConnectionString(text: string): ServiceBusConnectionString {
  const pairs = parseConnectionStringPairs(text);
  const endpoint = pairs.get('endpoint');
  if (!endpoint) throw invalid('expected an Endpoint=sb://… entry, got none');
  let url: URL;
  try {
    url = new URL(endpoint.includes('://') ? endpoint : `sb://${endpoint}`);
  } catch {
    throw invalid('expected Endpoint to be a URL such as sb://<namespace>.servicebus.windows.net/, got an unparsable value');
  }
  if (!url.hostname) throw invalid('expected Endpoint to name a host, got none');
  const key = pairs.get('sharedaccesskey');
  const keyName = pairs.get('sharedaccesskeyname');
  const sas = pairs.get('sharedaccesssignature');
  if ((key === undefined) !== (keyName === undefined)) {
    throw invalid('expected SharedAccessKeyName and SharedAccessKey together, got only one of them');
  }
  const emulatorFlag = pairs.get('usedevelopmentemulator');
  if (emulatorFlag !== undefined && !/^(true|false)$/i.test(emulatorFlag)) {
    throw invalid(`expected UseDevelopmentEmulator=true or false, got ${describeValue(emulatorFlag)}`);
  }
  const result: ServiceBusConnectionString = {
    endpoint: `sb://${url.host}/`,
    host: url.hostname.toLowerCase(),
    useDevelopmentEmulator: emulatorFlag?.toLowerCase() === 'true',
  };
  if (url.port) result.port = Number(url.port);
  const entityPath = pairs.get('entitypath');
  if (entityPath) result.entityPath = entityPath;
  if (keyName !== undefined) result.sharedAccessKeyName = keyName;
  if (key !== undefined) result.sharedAccessKey = key;
  if (sas !== undefined) result.sharedAccessSignature = sas;
  if (!key && !sas) throw invalid('expected SharedAccessKeyName/SharedAccessKey or SharedAccessSignature, got neither');
  return result;
}

export const parseRelayConnectionString = parseServiceBusConnectionString;
export const parseEventHubsConnectionString = parseServiceBusConnectionString;

export interface WebPubSubConnectionString {
  /** `http(s)://host[:port]/` with a trailing slash, as the official SDK forms it. */
  endpoint: string;
  accessKey: string;
  port?: number;
  version?: string;
}

/** Web PubSub: Endpoint, AccessKey, optional Port (overrides the URL's) and Version (docs/protocol/webpubsub.md §2). */
export function parseWebPubSubConnectionString(text: string): WebPubSubConnectionString {
  const pairs = parseConnectionStringPairs(text);
  const raw = pairs.get('endpoint');
  if (!raw) throw invalid('expected an Endpoint=https://… entry, got none');
  const accessKey = pairs.get('accesskey');
  if (!accessKey) throw invalid('expected an AccessKey entry, got none');
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(raw) ? raw : `https://${raw}`);
  } catch {
    throw invalid('expected Endpoint to be an http(s) URL, got an unparsable value');
  }
  const port = pairs.get('port');
  if (port !== undefined) {
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw invalid(`expected Port to be 0-65535, got ${describeValue(port)}`);
    url.port = port;
  }
  const result: WebPubSubConnectionString = { endpoint: `${url.protocol}//${url.host}/`, accessKey };
  if (url.port) result.port = Number(url.port);
  const version = pairs.get('version');
  if (version !== undefined) result.version = version;
  return result;
}

/** The Python relay quickstart's config.json: `{ namespace, path, keyrule, key }`. */
export interface RelayQuickstartConfig {
  namespace: string;
  path: string;
  keyrule: string;
  key: string;
}

export function parseRelayQuickstartConfig(json: string | unknown): RelayQuickstartConfig {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch {
      throw invalid('expected config.json to be JSON with namespace, path, keyrule and key, got unparsable text');
    }
  }
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const missing = ['namespace', 'path', 'keyrule', 'key'].filter((name) => typeof record[name] !== 'string' || record[name] === '');
  if (missing.length > 0) throw invalid(`expected config.json with namespace, path, keyrule and key, got none for ${missing.join(', ')}`);
  return { namespace: record.namespace as string, path: record.path as string, keyrule: record.keyrule as string, key: record.key as string };
}

/** Builds the Service Bus form back, e.g. to hand a quickstart config to a connection-string API. */
export function formatServiceBusConnectionString(parts: Partial<ServiceBusConnectionString> & { endpoint: string }): string {
  const out = [`Endpoint=${parts.endpoint}`];
  if (parts.sharedAccessKeyName) out.push(`SharedAccessKeyName=${parts.sharedAccessKeyName}`);
  if (parts.sharedAccessKey) out.push(`SharedAccessKey=${parts.sharedAccessKey}`);
  if (parts.sharedAccessSignature) out.push(`SharedAccessSignature=${parts.sharedAccessSignature}`);
  if (parts.entityPath) out.push(`EntityPath=${parts.entityPath}`);
  if (parts.useDevelopmentEmulator) out.push('UseDevelopmentEmulator=true');
  return out.join(';');
}
