// Shared by the Relay rows: our emulator, our listener and hyco-https's listener on two hybrid
// connections of it, each server in its own process; sender tokens minted once.
import { createHmac } from 'node:crypto';
import { startChild } from './child.mjs';

export const KEY_NAME = 'RootManageSharedAccessKey';

export function keyOf(connectionString) {
  return /SharedAccessKey=([^;]+)/.exec(connectionString)[1];
}

/** A SAS token for http://127.0.0.1/<path> (the emulator ignores the port in the audience). */
export function senderToken(path, key) {
  const audience = encodeURIComponent(`http://127.0.0.1/${path}`);
  const expiry = Math.floor(Date.now() / 1000) + 24 * 3600;
  const signature = createHmac('sha256', key).update(`${audience}\n${expiry}`).digest('base64');
  return `SharedAccessSignature sr=${audience}&sig=${encodeURIComponent(signature)}&se=${expiry}&skn=${KEY_NAME}`;
}

export async function startRelayPair() {
  const emulator = await startChild('relay-emulator');
  const { port, connectionString } = emulator.info;
  const key = keyOf(connectionString);
  const ours = await startChild('relay-listener-ours', { connectionString, path: 'ours' });
  const hyco = await startChild('relay-listener-hyco', { port, path: 'hyco', keyName: KEY_NAME, key });
  return {
    port,
    connectionString,
    key,
    emulator,
    ours,
    hyco,
    children: [ours, hyco, emulator],
    async stop() {
      for (const child of this.children) await child.stop();
    },
  };
}
