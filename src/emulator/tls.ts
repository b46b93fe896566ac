import selfsigned from 'selfsigned';

// `tls: true` on any emulator: a throwaway certificate. Official clients hard-code wss:// (Relay
// on :443, Event Hubs' WebSocket), so the names cover loopback plus whatever host names a hosts-file
// entry would point here (the Relay namespaces).

export interface TlsMaterial {
  cert: string;
  key: string;
}

export async function generateCertificate(hostNames: string[] = []): Promise<TlsMaterial> {
  const dnsNames = [...new Set(['localhost', ...hostNames.filter((name) => !/^[\d.]+$|:/.test(name))])];
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'azure-realtime emulator' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...dnsNames.map((value) => ({ type: 2 as const, value })),
          { type: 7 as const, ip: '127.0.0.1' },
          { type: 7 as const, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** The `tls` option of every emulator: off, a given certificate, or `true` for a generated one. */
export async function resolveTlsMaterial(tls: boolean | TlsMaterial | undefined, hostNames: string[] = []): Promise<TlsMaterial | undefined> {
  if (!tls) return undefined;
  return tls === true ? generateCertificate(hostNames) : tls;
}
