import { parseArgs } from 'node:util';
import type { EmulatorOptions, ServiceName } from './start.js';
import { SERVICE_NAMES } from './start.js';

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
  --host H              address to bind (default 127.0.0.1)
  --config F            JSON file: { "relay": {…}, "webpubsub": {…}, "eventhubs": {…} }
  --data-dir D          keep the Event Hubs log on disk in D (a restart loses nothing)
  --azurite             also start Azurite for Event Hubs checkpoint blobs
  --tls                 serve TLS with a generated self-signed certificate
  --json                print one line of JSON with every connection string once ready
  -h, --help            this text
`;

export interface CliCommand {
  help: boolean;
  json: boolean;
  options: EmulatorOptions;
}

function parsePort(flag: string, value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new RangeError(`expected ${flag} to be a port 0-65535, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** Turns argv (after the `emulator` word) into startEmulator options; `config` is the parsed JSON. */
export function parseCliArgs(argv: string[], readConfig: (path: string) => unknown): CliCommand {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'relay-port': { type: 'string' },
      'relay-rendezvous-port': { type: 'string' },
      'webpubsub-port': { type: 'string' },
      'eventhubs-port': { type: 'string' },
      host: { type: 'string' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      azurite: { type: 'boolean' },
      tls: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 0) throw new TypeError(`expected no positional arguments, got ${JSON.stringify(positionals[0])}`);
  const config = (values.config ? readConfig(values.config) : {}) as Partial<Record<ServiceName, Record<string, unknown>>>;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TypeError('expected --config to hold a JSON object with relay / webpubsub / eventhubs sections');
  }
  const named = SERVICE_NAMES.filter((name) => values[`${name}-port`] !== undefined);
  const selected = named.length > 0 ? named : SERVICE_NAMES;
  const options: EmulatorOptions = {};
  for (const name of selected) {
    const flag = values[`${name}-port`];
    const service: Record<string, unknown> = {
      port: flag === undefined ? DEFAULT_PORTS[name] : parsePort(`--${name}-port`, flag),
      ...(config[name] ? { config: config[name] } : {}),
    };
    if (values.host) service.host = values.host;
    if (values.tls) service.tls = true;
    const rendezvous = values['relay-rendezvous-port'];
    if (name === 'relay' && rendezvous !== undefined) {
      service.rendezvousPort = rendezvous === 'same' ? 'same' : parsePort('--relay-rendezvous-port', rendezvous);
    }
    if (name === 'eventhubs') {
      if (values['data-dir']) service.dataDir = values['data-dir'];
      if (values.azurite) service.azurite = true;
    }
    options[name] = service;
  }
  return { help: Boolean(values.help), json: Boolean(values.json), options };
}
