import { redactSecrets } from '../core/errors.js';
import { DEFAULT_HOST } from './defaults.js';
import { boundedLog } from './host/bounded-log.js';

// What every emulated service needs to announce itself: an address clients can dial, and a log
// that never carries a secret (types.ts ListenOptions.log).

/** The host to put in connection strings: a wildcard bind is reached through loopback. */
export function reachableHost(bindHost: string): string {
  return bindHost === '0.0.0.0' || bindHost === '::' ? DEFAULT_HOST : bindHost;
}

/** `host:port` with IPv6 literals bracketed, as URLs and connection strings need. */
export function authority(bindHost: string, port: number): string {
  const host = reachableHost(bindHost);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A service's log: redacted, each line cut to a bound and at most so many a second (host/bounded-log.ts). */
export function serviceLog(log: ((line: string) => void) | undefined): (line: string) => void {
  return log ? boundedLog(log, { transform: redactSecrets }) : () => undefined;
}
