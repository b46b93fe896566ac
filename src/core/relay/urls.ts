// Relay Hybrid Connections addresses (docs/protocol/relay.md §1.2–1.5). Builders are pure string functions:
// the listener and client use them, and they are public for anyone who dials by hand.

import { sasResourceUri } from '../sas-parse.js';
import { isHcParameter } from './hc-rules.js';

export interface RelayUrlOptions {
  /** Namespace host, e.g. `contoso.servicebus.windows.net`, or `host:port` for the emulator. */
  namespace: string;
  /** Hybrid connection name. */
  path: string;
  /** wss/https when true (default); ws/http for `UseDevelopmentEmulator=true`. */
  secure?: boolean;
  /** `sb-hc-id`: client tracking id, echoed in the listener's `accept`. */
  id?: string;
  /** `sb-hc-token`, for runtimes that cannot set the ServiceBusAuthorization header (browsers). */
  token?: string;
  /** App path after the entity name (`/suffix`); passes through to the listener (docs/protocol/relay.md §1.3). */
  suffix?: string;
  /** App query; put before the `sb-hc-*` parameters, as .NET does (docs/protocol/relay.md §1.2). */
  query?: string | Record<string, string> | URLSearchParams;
}

const encodePath = (path: string) => path.split('/').filter(Boolean).map(encodeURIComponent).join('/');

export function appQuery(query: RelayUrlOptions['query']): URLSearchParams {
  const params = new URLSearchParams(typeof query === 'string' ? query.replace(/^\?/, '') : (query ?? undefined));
  // sb-hc-* belongs to the protocol; the service strips them anyway (docs/protocol/relay.md §1.1).
  for (const name of [...params.keys()]) if (isHcParameter(name)) params.delete(name);
  return params;
}

function build(scheme: string, options: RelayUrlOptions, prefix: string, action?: string): string {
  if (!options.namespace || !options.path) {
    throw new TypeError(`expected namespace and path, got ${options.namespace ? 'no path' : 'no namespace'}`);
  }
  const suffix = options.suffix ? `/${options.suffix.replace(/^\/+/, '')}` : '';
  const params = appQuery(options.query);
  if (action) params.append('sb-hc-action', action);
  if (options.id) params.append('sb-hc-id', options.id);
  if (options.token) params.append('sb-hc-token', options.token);
  const search = params.toString();
  return `${scheme}://${options.namespace}/${prefix}${encodePath(options.path)}${suffix}${search ? `?${search}` : ''}`;
}

const wsScheme = (o: RelayUrlOptions) => (o.secure === false ? 'ws' : 'wss');

/** `wss://{ns}/$hc/{path}?sb-hc-action=listen` — the listener's control channel. */
export function createRelayListenUrl(options: RelayUrlOptions): string {
  return build(wsScheme(options), { ...options, suffix: '' }, '$hc/', 'listen');
}

/** `wss://{ns}/$hc/{path}[/suffix][?app]&sb-hc-action=connect` — a sender's WebSocket. */
export function createRelayConnectUrl(options: RelayUrlOptions): string {
  return build(wsScheme(options), options, '$hc/', 'connect');
}

/** `https://{ns}/{path}[/suffix][?app]` — HTTP mode has no `$hc` (docs/protocol/relay.md §1.5). */
export function createRelayHttpUrl(options: RelayUrlOptions): string {
  return build(options.secure === false ? 'http' : 'https', options, '');
}

/** The SAS audience the official samples sign: `http://{host}/{path}` (docs/architecture.md "Tokens"; port dropped). */
export function createRelayAudience(namespace: string, path: string): string {
  return sasResourceUri(`sb://${namespace}/${encodePath(path)}`);
}

/** The service appends gateway suffixes (`GUID_G0_G1`); .NET strips them before reusing an id (docs/protocol/relay.md §1.2). */
export function stripRelayTrackingSuffix(id: string): string {
  return id.replace(/(_G\d+)+$/i, '');
}
