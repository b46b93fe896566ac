import selfsigned from 'selfsigned';

// A throwaway certificate for `tls: true`. Official clients hard-code wss://{ns}:443, so the
// names cover loopback plus the namespace host names a hosts-file entry would point here.

export interface TlsMaterial {
  cert: string;
  key: string;
}

export async function generateCertificate(hostNames: string[]): Promise<TlsMaterial> {
  const dnsNames = [...new Set(['localhost', ...hostNames.filter((name) => !/^[\d.]+$|:/.test(name))])];
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'azure-realtime relay emulator' }], {
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
