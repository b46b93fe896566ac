import { parseArgs } from 'node:util';
import type { EmulatorOptions, ServiceName } from './start.js';
import { SERVICE_NAMES } from './start.js';
import { checkFsyncPolicy } from './eventhubs/log/group-commit.js';
import { DEFAULT_DASHBOARD_PORT, type DashboardOptions } from './dashboard/options.js';
import { readJsonFile, serviceSections } from './host/config-file.js';

export const DEFAULT_PORTS: Record<ServiceName, number> = { relay: 7380, webpubsub: 8080, eventhubs: 5672 };

export const USAGE = `Usage: azure-realtime emulator [options]

Starts local emulators of Azure Relay Hybrid Connections, Web PubSub and Event Hubs.
With no --*-port flag all three start on their default ports; with any, only those named.

  --relay-port N        Relay (default ${DEFAULT_PORTS.relay}; 0 picks a free port)
  --relay-rendezvous-port N|same
                        where Relay rendezvous dials go (default: a second free port, as the
                        service uses other gateway hosts; "same" serves them on --relay-port)
  --webpubsub-port N    Web PubSub (default ${DEFAULT_PORTS.webpubsub})
  --eventhubs-port N    Event Hubs AMQP, TCP and WebSocket (default ${DEFAULT_PORTS.eventhubs})
  --kafka-port N        also serve Event Hubs' hubs over Kafka on N (SASL PLAIN; 0 picks a free port)
  --host H              address to bind (default 127.0.0.1)
  --dashboard-port N    serve the dashboard, a live web page of all three, on N (0 picks a
                        free port); on by default on ${DEFAULT_DASHBOARD_PORT} (or a free port when
                        taken) when no other --*-port flag is given
  --no-dashboard        no dashboard
  --config F            JSON file: { "relay": {…}, "webpubsub": {…}, "eventhubs": {…} }
  --data-dir D          keep the Event Hubs log on disk in D (a restart loses nothing)
  --fsync interval|batch|always|never
                        when a send to --data-dir is acknowledged (default interval: once
                        written, fdatasync in the background within 100 ms, so a killed
                        emulator loses nothing acknowledged but a power cut may lose ~100 ms;
                        batch: after a group-commit fdatasync; always: fdatasync per write)
  --azurite             also start Azurite for Event Hubs checkpoint blobs
  --tls                 serve TLS with a certificate signed by the emulator CA (kept in
                        --data-dir when given, so it stays the same across restarts)
  --namespace NAME      also name NAME.servicebus.windows.net and NAME.webpubsub.azure.com
                        in the certificate (implies --tls; see docs/eventhubs-emulator.md)
  --ca-cert F --ca-key F
                        sign the certificate with this CA instead (PEM files; implies --tls)
  --cert-out F          write the CA certificate to F for clients to trust (implies --tls)
  --json                print one line of JSON with every connection string once ready
  -h, --help            this text
`;

/** What the CLI needs to set up TLS (cli-tls.ts); services get `tls: { ca, namespace }` from it. */
export interface CliTlsRequest {
  namespace?: string;
  caCertFile?: string;
  caKeyFile?: string;
  certOut?: string;
  dataDir?: string;
}

export interface CliCommand {
  help: boolean;
  json: boolean;
  options: EmulatorOptions;
  tls?: CliTlsRequest;
  /** Where to serve the dashboard; absent for none. */
  dashboard?: DashboardOptions;
}

function parsePort(flag: string, value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new RangeError(`expected ${flag} to be a port 0-65535, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/**
 * Turns argv (after the `emulator` word) into startEmulator options. `readConfig` gives the parsed
 * JSON of `--config` (tests pass an object); the host splits it into service sections, routing
 * Microsoft's Event Hubs Config.json to Event Hubs.
 */
export function parseCliArgs(argv: string[], readConfig: (path: string) => unknown = readJsonFile): CliCommand {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'relay-port': { type: 'string' },
      'relay-rendezvous-port': { type: 'string' },
      'webpubsub-port': { type: 'string' },
      'eventhubs-port': { type: 'string' },
      'kafka-port': { type: 'string' },
      'dashboard-port': { type: 'string' },
      'no-dashboard': { type: 'boolean' },
      host: { type: 'string' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      fsync: { type: 'string' },
      namespace: { type: 'string' },
      'ca-cert': { type: 'string' },
      'ca-key': { type: 'string' },
      'cert-out': { type: 'string' },
      azurite: { type: 'boolean' },
      tls: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 0) throw new TypeError(`expected no positional arguments, got ${JSON.stringify(positionals[0])}`);
  const config = values.config ? serviceSections(readConfig(values.config), values.config) : {};
  const fsync = values.fsync === undefined ? undefined : checkFsyncPolicy(values.fsync, '--fsync');
  if ((values['ca-cert'] === undefined) !== (values['ca-key'] === undefined)) {
    throw new TypeError('expected --ca-cert and --ca-key together');
  }
  const tlsWanted = Boolean(values.tls || values.namespace || values['ca-cert'] || values['cert-out']);
  // --kafka-port names Event Hubs too: the Kafka endpoint is part of it.
  const named = SERVICE_NAMES.filter((name) => values[`${name}-port`] !== undefined || (name === 'eventhubs' && values['kafka-port'] !== undefined));
  const selected = named.length > 0 ? named : SERVICE_NAMES;
  const options: EmulatorOptions = {};
  for (const name of selected) {
    const flag = values[`${name}-port`];
    const service: Record<string, unknown> = {
      port: flag === undefined ? DEFAULT_PORTS[name] : parsePort(`--${name}-port`, flag),
      ...(config[name] ? { config: config[name] } : {}),
    };
    if (values.host) service.host = values.host;
    if (tlsWanted) service.tls = true;
    const rendezvous = values['relay-rendezvous-port'];
    if (name === 'relay' && rendezvous !== undefined) {
      service.rendezvousPort = rendezvous === 'same' ? 'same' : parsePort('--relay-rendezvous-port', rendezvous);
    }
    if (name === 'eventhubs') {
      if (values['data-dir']) service.dataDir = values['data-dir'];
      if (fsync) service.fsync = fsync;
      if (values.azurite) service.azurite = true;
      if (values['kafka-port'] !== undefined) service.kafkaPort = parsePort('--kafka-port', values['kafka-port']);
    }
    options[name] = service;
  }
  const tls: CliTlsRequest | undefined = tlsWanted
    ? {
        ...(values.namespace ? { namespace: values.namespace } : {}),
        ...(values['ca-cert'] ? { caCertFile: values['ca-cert'], caKeyFile: values['ca-key']! } : {}),
        ...(values['cert-out'] ? { certOut: values['cert-out'] } : {}),
        ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
      }
    : undefined;
  if (values['no-dashboard'] && values['dashboard-port'] !== undefined) throw new TypeError('expected --dashboard-port or --no-dashboard, not both');
  // Like the services: the default port when nothing was named, but a taken one is no reason to fail.
  const dashboard: DashboardOptions | undefined = values['no-dashboard']
    ? undefined
    : values['dashboard-port'] !== undefined
      ? { port: parsePort('--dashboard-port', values['dashboard-port']) }
      : named.length === 0
        ? { port: DEFAULT_DASHBOARD_PORT, fallbackToFreePort: true }
        : undefined;
  return { help: Boolean(values.help), json: Boolean(values.json), options, ...(tls ? { tls } : {}), ...(dashboard ? { dashboard } : {}) };
}
