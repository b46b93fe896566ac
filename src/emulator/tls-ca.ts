import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificateLibrary } from './certificate-library.js';
import type { TlsMaterial } from './tls-types.js';

// The emulator's own certificate authority. Kept in a directory (the CLI uses `<data-dir>/.emulator-ca`),
// it is generated once and reused on every start, so a client told to trust it once keeps working;
// each start issues a fresh server certificate from it (tls.ts issueCertificate).

export const CA_CERT_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca-key.pem';
const YEAR_MS = 365 * 24 * 3600 * 1000;

export interface EmulatorCa {
  material: TlsMaterial;
  /** Where the CA certificate is stored, when it is. */
  certFile?: string;
}

export async function generateCa(): Promise<TlsMaterial> {
  const pems = await (await certificateLibrary()).generate(
    [
      { name: 'commonName', value: 'azure-realtime emulator CA' },
      { name: 'organizationName', value: 'azure-realtime (local development only)' },
    ],
    {
      keyType: 'ec',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 10 * YEAR_MS),
      extensions: [
        { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    },
  );
  return { cert: pems.cert, key: pems.private };
}

/** The CA stored in `directory` (created on first use), or a throwaway one without a directory. */
export async function emulatorCa(directory: string | undefined): Promise<EmulatorCa> {
  if (directory === undefined) return { material: await generateCa() };
  const certFile = join(directory, CA_CERT_FILE);
  const keyFile = join(directory, CA_KEY_FILE);
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { material: { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') }, certFile };
  }
  const material = await generateCa();
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  // Key first, certificate last: a certificate on disk always has its key beside it.
  writeFileSync(`${keyFile}.tmp`, material.key, { mode: 0o600 });
  renameSync(`${keyFile}.tmp`, keyFile);
  writeFileSync(`${certFile}.tmp`, material.cert);
  renameSync(`${certFile}.tmp`, certFile);
  return { material, certFile };
}
