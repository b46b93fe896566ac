import type { EmulatorTlsOptions } from './tls-types.js';

// The shape every emulated service returns, so startEmulator and the CLI can compose them.
export interface EmulatorServiceInfo {
  connectionString: string;
  [extra: string]: unknown;
}

export interface RunningService {
  readonly host: string;
  readonly port: number;
  readonly connectionString: string;
  /** What the CLI prints for this service in its `--json` line. */
  info(): EmulatorServiceInfo;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * TLS: give cert + key (PEM), `true` to generate a self-signed certificate on start, or
   * `{ namespace, ca | caDir }` for a CA-signed one naming the namespace's host names (tls.ts).
   */
  tls?: boolean | { cert: string; key: string } | EmulatorTlsOptions;
  /** Receives one line per notable event; default silent. Never given secrets. */
  log?: (line: string) => void;
}
