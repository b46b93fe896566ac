import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HOST } from './defaults.js';
import { authority } from './service-address.js';

// Azurite's blob service in this process, for Event Hubs checkpoint stores (docs/protocol/eventhubs.md §11.2). It
// starts in memory (or under `location`), accepts any API version the installed storage SDK
// speaks, and gets Blob CORS rules so a browser page can use it (Azurite answers preflights
// with 403 until someone sets them: Azurite#729, #2449).

export const AZURITE_ACCOUNT = 'devstoreaccount1';
// Azurite's published well-known development key (the same one "UseDevelopmentStorage=true" expands to).
export const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Directory for blobs and metadata; default: memory only. */
  location?: string;
}

export interface RunningAzurite {
  connectionString: string;
  blobEndpoint: string;
  close(): Promise<void>;
}

interface AzuriteBlobServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}

const require = createRequire(import.meta.url);

// azurite and @azure/storage-blob are optional peers: only --azurite needs them.
function requireAzurite(path: string) {
  try {
    return require(`azurite/${path}`);
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error('--azurite needs the optional packages azurite and @azure/storage-blob: npm install azurite @azure/storage-blob', { cause: error });
  }
}

function createBlobServer(host: string, port: number, location: string | undefined, scratch: string | undefined): AzuriteBlobServer {
  const { default: BlobServer } = requireAzurite('dist/src/blob/BlobServer.js');
  const { default: BlobConfiguration } = requireAzurite('dist/src/blob/BlobConfiguration.js');
  const { MemoryExtentChunkStore, DEFAULT_EXTENT_MEMORY_LIMIT } = requireAzurite('dist/src/common/persistence/MemoryExtentStore.js');
  const base = (location ?? scratch)!;
  const inMemory = location === undefined;
  const config = new BlobConfiguration(
    host,
    port,
    5, // keep-alive seconds, Azurite's default
    join(base, '__azurite_db_blob__.json'),
    join(base, '__azurite_db_blob_extent__.json'),
    [{ locationId: 'Default', locationPath: join(base, '__blobstorage__'), maxConcurrency: 1 }],
    false, // access log
    undefined,
    false, // debug log
    undefined,
    true, // loose: tolerate headers the SDK sends that Azurite does not model
    true, // skipApiVersionCheck: @azure/storage-blob may be newer than this Azurite
    '',
    '',
    '',
    undefined,
    false,
    inMemory,
    // A private chunk store so two emulators in one process never share blobs.
    inMemory ? new MemoryExtentChunkStore(Math.min(DEFAULT_EXTENT_MEMORY_LIMIT, 256 * 1024 * 1024)) : undefined,
  );
  return new BlobServer(config) as AzuriteBlobServer;
}

const CORS_RULE = {
  allowedOrigins: '*',
  allowedMethods: 'DELETE,GET,HEAD,MERGE,POST,OPTIONS,PUT',
  allowedHeaders: '*',
  exposedHeaders: '*',
  maxAgeInSeconds: 86400,
};

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const host = options.host ?? DEFAULT_HOST;
  // A scratch folder only for the in-memory store's bookkeeping files; a given location is used as is.
  const scratch = options.location === undefined ? await mkdtemp(join(tmpdir(), 'azurite-')) : undefined;
  const removeScratch = () => (scratch ? rm(scratch, { recursive: true, force: true }) : Promise.resolve());
  const server = createBlobServer(host, options.port ?? 0, options.location, scratch);
  await server.start();
  const address = server.getHttpServerAddress();
  const port = Number(new URL(address).port);
  const blobEndpoint = `http://${authority(host, port)}/${AZURITE_ACCOUNT}`;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`;
  try {
    const { BlobServiceClient } = await import('@azure/storage-blob');
    await BlobServiceClient.fromConnectionString(connectionString).setProperties({ cors: [CORS_RULE] });
  } catch (error) {
    await server.close();
    await removeScratch();
    throw new Error(`Azurite started but its CORS rules could not be set: ${(error as Error).message}`);
  }
  let closed: Promise<void> | undefined;
  return {
    connectionString,
    blobEndpoint,
    close: () =>
      (closed ??= (async () => {
        await server.close();
        await removeScratch();
      })()),
  };
}
