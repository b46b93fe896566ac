import { generate } from 'selfsigned';

// `tls: true` generates a certificate for the loopback names, because the SDK always builds
// `wss://` URLs (note §8) and many clients want TLS for AMQP too.

export interface TlsMaterial {
  cert: string;
  key: string;
}

export async function resolveTlsMaterial(tls: boolean | TlsMaterial | undefined): Promise<TlsMaterial | undefined> {
  if (!tls) return undefined;
  if (tls !== true) return tls;
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  } as never);
  return { cert: pems.cert, key: pems.private };
}
