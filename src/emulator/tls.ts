import { createPrivateKey } from 'node:crypto';
import { emulatorCa } from './tls-ca.js';
import { certificateLibrary } from './certificate-library.js';
import type { EmulatorTlsOptions, TlsMaterial } from './tls-types.js';

export type { EmulatorTlsOptions, TlsMaterial } from './tls-types.js';

// TLS for every emulator. `tls: true`: a throwaway self-signed certificate. `tls: { namespace, ca, caDir }`:
// a leaf signed by an emulator CA (given, or generated once and kept in `caDir`), naming the
// namespace's service host names, for SDKs that hard-code `amqps://{ns}.servicebus.windows.net:5671`
// or `wss://{ns}.webpubsub.azure.com` (a hosts-file entry points them here; docs/eventhubs-emulator.md).

const NAMESPACE_SUFFIXES = ['servicebus.windows.net', 'webpubsub.azure.com'];
const DAY_MS = 24 * 3600 * 1000;

/** The public host names a namespace's clients dial. */
export function namespaceHostNames(namespace: string | string[] | undefined): string[] {
  const names = namespace === undefined ? [] : Array.isArray(namespace) ? namespace : [namespace];
  return names.flatMap((name) => {
    const label = name.toLowerCase();
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label)) {
      throw new TypeError(`expected a namespace name (letters, digits, hyphens), got ${JSON.stringify(name)}`);
    }
    return NAMESPACE_SUFFIXES.map((suffix) => `${label}.${suffix}`);
  });
}

function subjectAltNames(hostNames: string[]) {
  const dnsNames = [...new Set(['localhost', ...hostNames.filter((name) => !/^[\d.]+$|:/.test(name))])];
  return {
    name: 'subjectAltName' as const,
    altNames: [
      ...dnsNames.map((value) => ({ type: 2 as const, value })),
      { type: 7 as const, ip: '127.0.0.1' },
      { type: 7 as const, ip: '::1' },
    ],
  };
}

export async function generateCertificate(hostNames: string[] = []): Promise<TlsMaterial> {
  const pems = await (await certificateLibrary()).generate([{ name: 'commonName', value: 'azure-realtime emulator' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      subjectAltNames(hostNames),
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/**
 * A server certificate signed by `ca`. `cert` is the chain (leaf, then the CA), so a client given
 * it as its trust list, or given only the CA, verifies either way.
 */
export async function issueCertificate(ca: TlsMaterial, hostNames: string[]): Promise<TlsMaterial> {
  // The leaf's key type follows the CA's, because the library imports the CA key with that type.
  const keyType = createPrivateKey(ca.key).asymmetricKeyType === 'rsa' ? 'rsa' : 'ec';
  const pems = await (await certificateLibrary()).generate([{ name: 'commonName', value: hostNames[0] ?? 'localhost' }], {
    keyType,
    algorithm: 'sha256',
    // Leaf certificates past 398 days are refused by some TLS clients.
    notAfterDate: new Date(Date.now() + 397 * DAY_MS),
    ca,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      subjectAltNames(hostNames),
    ],
  });
  return { cert: `${pems.cert.trim()}\n${ca.cert.trim()}\n`, key: pems.private };
}

function isMaterial(tls: object): tls is TlsMaterial {
  return typeof (tls as TlsMaterial).cert === 'string' && typeof (tls as TlsMaterial).key === 'string';
}

/** The `tls` option of every emulator: off, a given certificate, `true`, or CA-signed with namespace names. */
export async function resolveTlsMaterial(
  tls: boolean | TlsMaterial | EmulatorTlsOptions | undefined,
  hostNames: string[] = [],
): Promise<TlsMaterial | undefined> {
  if (!tls) return undefined;
  if (tls === true) return generateCertificate(hostNames);
  if (isMaterial(tls)) return tls;
  const ca = tls.ca ?? (await emulatorCa(tls.caDir)).material;
  return issueCertificate(ca, [...namespaceHostNames(tls.namespace), ...(tls.hostNames ?? []), ...hostNames]);
}
