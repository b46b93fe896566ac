#!/usr/bin/env node
import { parseCliArgs, USAGE } from './cli-args.js';
import { prepareCliTls } from './cli-tls.js';
import { startEmulator } from './start.js';
import { redactSecrets } from '../core/errors.js';

// `azure-realtime emulator [...]`: one process running the local services until SIGINT/SIGTERM.
const BANNER_SKIPS = new Set(['connectionString', 'endpoint', 'host', 'port']);
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command !== 'emulator') {
    process.stderr.write(`azure-realtime: expected the command "emulator", got ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseCliArgs(rest);
  } catch (error) {
    process.stderr.write(`azure-realtime: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  // Each service redacts its own log lines (service-address.ts serviceLog).
  const log = parsed.json ? undefined : (line: string) => process.stderr.write(`${line}\n`);
  // One CA for every service, so one trusted file covers them all (cli-tls.ts).
  const tls = parsed.tls ? await prepareCliTls(parsed.tls) : undefined;
  const withLog = Object.fromEntries(
    Object.entries(parsed.options).map(([name, options]) => [
      name,
      typeof options === 'object' ? { ...options, ...(log ? { log } : {}), ...(tls ? { tls: tls.options } : {}) } : options,
    ]),
  );
  const emulator = await startEmulator({ ...withLog, ...(parsed.dashboard ? { dashboard: { ...parsed.dashboard, ...(log ? { log } : {}) } } : {}) });
  // Listen for the signals before announcing readiness: a supervisor may stop us right after the line.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const info = emulator.info();
  if (parsed.json) {
    const dashboard = emulator.dashboard ? { dashboard: { url: emulator.dashboard.url } } : {};
    process.stdout.write(`${JSON.stringify({ ...info, ...dashboard, ...(tls ? { tls: { caFile: tls.caFile, hostNames: tls.hostNames } } : {}) })}\n`);
  } else {
    process.stdout.write('azure-realtime emulator is running (Ctrl+C to stop)\n\n');
    for (const [name, service] of Object.entries(emulator.services)) {
      process.stdout.write(`  ${name.padEnd(10)} ${service.host}:${service.port}\n    ${service.connectionString}\n`);
      // The banner repeats only what the connection string and the heading do not already say.
      for (const [key, value] of Object.entries(service.info())) {
        if (!BANNER_SKIPS.has(key)) process.stdout.write(`    ${key}: ${JSON.stringify(value)}\n`);
      }
    }
    if (emulator.dashboard) process.stdout.write(`  dashboard  ${emulator.dashboard.url}\n`);
    if (tls) {
      process.stdout.write(`\n  TLS CA     ${tls.caFile}\n    trust it: NODE_EXTRA_CA_CERTS=${tls.caFile} (Node), SSL_CERT_FILE=${tls.caFile} (Python, OpenSSL)\n`);
      if (tls.hostNames.length > 0) process.stdout.write(`    certificate names: ${tls.hostNames.join(', ')} (point them at this host in /etc/hosts)\n`);
    }
  }
  await stopped;
  await emulator.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`azure-realtime: ${redactSecrets(error instanceof Error ? error.message : String(error))}\n`);
    process.exit(1);
  },
);
