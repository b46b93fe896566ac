import { fileURLToPath } from 'node:url';
import { azureRealtime } from 'azure-realtime/vite';
import { defineConfig } from 'vite';
import { eventHubsProfilesPlugin } from './eventhubs-profiles.js';

// The page imports 'azure-realtime', 'azure-realtime/eventhubs' and 'azure-realtime/webpubsub-client'
// by name. Vite resolves them to this checkout's built files (`npm run build` first) through the
// package's own `exports`, as it would from node_modules in an app.

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  cacheDir: fileURLToPath(new URL('../node_modules/.vite-demo', import.meta.url)),
  // 127.0.0.1, not localhost: the Web PubSub emulator calls the event handler at this address.
  server: { host: '127.0.0.1', port: 5173 },
  // The Web PubSub client and the HMAC fallback, pre-bundled up front: a dependency found only at
  // request time makes Vite re-optimize and reload the page, which drops the tab's connections.
  // (The plugin does the same for the Event Hubs SDK.)
  optimizeDeps: { include: ['@azure/web-pubsub-client', '@noble/hashes/hmac.js', '@noble/hashes/sha2.js'] },
  plugins: [
    // The Event Hubs panel's connection settings (emulator, or DEMO_EVENTHUBS_AZURE's namespace);
    // first, so its /api/eventhubs-token answers for Azure before azureRealtime's.
    eventHubsProfilesPlugin(),
    // Event Hubs in the page, and the emulators in the dev server with the endpoints the page uses
    // (/api/config, /api/negotiate, /api/relay-token, /api/eventhubs-token, /api/eventhandler).
    // The CLI's ports by default (`npm start` offers them to other apps too);
    // DEMO_EVENTHUBS=0 skips Event Hubs (the dashboard panel then says so), DEMO_EMULATOR_PORTS=free picks free ports.
    azureRealtime({
      emulator: {
        eventhubs: process.env.DEMO_EVENTHUBS !== '0',
        ports: process.env.DEMO_EMULATOR_PORTS === 'free' ? 'free' : 'default',
        webPubSubHub: 'chat',
        broadcastEvent: 'broadcast',
      },
    }),
  ],
});
