// Our Web PubSub emulator, default options except a connection cap above the 10,000 the idle row opens.
import { importOurs } from '../lib/build.mjs';

export async function start() {
  const { startWebPubSubEmulator } = await importOurs('webpubsub-emulator');
  const emulator = await startWebPubSubEmulator({ port: 0, limits: { maxConnections: 50_000 } });
  return {
    info: { port: emulator.port, endpoint: emulator.endpoint, accessKey: emulator.accessKey, connectionString: emulator.connectionString },
    methods: { close: () => emulator.close() },
  };
}
