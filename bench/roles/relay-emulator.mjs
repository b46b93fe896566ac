// Our Relay emulator, default options (token checks on, rendezvous on a second port).
import { importOurs } from '../lib/build.mjs';

export async function start() {
  const { startRelayEmulator } = await importOurs('relay-emulator');
  const emulator = await startRelayEmulator({ port: 0 });
  return { info: { port: emulator.port, connectionString: emulator.connectionString }, methods: { close: () => emulator.close() } };
}
