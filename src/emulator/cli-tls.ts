import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CliTlsRequest } from './cli-args.js';
import { emulatorCa } from './tls-ca.js';
import { namespaceHostNames } from './tls.js';
import type { EmulatorTlsOptions } from './tls-types.js';

// TLS as the CLI sets it up: one CA for the whole process (given with --ca-cert/--ca-key, kept in
// `<data-dir>/.emulator-ca`, or fresh), each service issuing its certificate from it, and the CA
// certificate written where clients can be told to trust it (--cert-out, named in --json).

export const CA_DIR_IN_DATA_DIR = '.emulator-ca';

export interface CliTls {
  /** The `tls` option every service gets. */
  options: EmulatorTlsOptions;
  /** The CA certificate file for NODE_EXTRA_CA_CERTS / SSL_CERT_FILE / `ca`. */
  caFile: string;
  /** The host names of --namespace, for the banner. */
  hostNames: string[];
}

export async function prepareCliTls(request: CliTlsRequest): Promise<CliTls> {
  const hostNames = namespaceHostNames(request.namespace);
  const ca = request.caCertFile
    ? { material: { cert: readFileSync(request.caCertFile, 'utf8'), key: readFileSync(request.caKeyFile!, 'utf8') }, certFile: request.caCertFile }
    : await emulatorCa(request.dataDir ? join(request.dataDir, CA_DIR_IN_DATA_DIR) : undefined);
  let caFile = ca.certFile;
  if (request.certOut) {
    mkdirSync(dirname(request.certOut), { recursive: true });
    writeFileSync(request.certOut, ca.material.cert);
    caFile = request.certOut;
  }
  if (caFile === undefined) {
    // A throwaway CA still gets a file, so the printed recipe always names one.
    caFile = join(tmpdir(), `azure-realtime-emulator-ca-${process.pid}.pem`);
    writeFileSync(caFile, ca.material.cert);
  }
  return { options: { ca: ca.material, ...(request.namespace ? { namespace: request.namespace } : {}) }, caFile, hostNames };
}
