import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { demoServerPlugin } from './server/plugin.js';

// The page imports 'azure-realtime' by name. A browser app would get the package's `default`
// export condition (dist/browser) from node_modules; here the package is this checkout, so the
// alias points the name at that same built file (`npm run build` first).
const browserBuild = fileURLToPath(new URL('../dist/browser/index.js', import.meta.url));
// Event Hubs has its own entry (the SDK behind it needs `os`/`path` stubs in bundlers, which the
// main entry must not impose on pages that do not use it): docs/eventhubs-client.md.
const eventhubsBuild = fileURLToPath(new URL('../dist/core/eventhubs/index.js', import.meta.url));
// The @azure/web-pubsub-client helper has its own entry too (it brings ws/buffer/events).
const webPubSubClientBuild = fileURLToPath(new URL('../dist/core/webpubsub/client.js', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  cacheDir: fileURLToPath(new URL('../node_modules/.vite-demo', import.meta.url)),
  resolve: {
    alias: [
      { find: /^azure-realtime$/, replacement: browserBuild },
      { find: /^azure-realtime\/eventhubs$/, replacement: eventhubsBuild },
      { find: /^azure-realtime\/webpubsub-client$/, replacement: webPubSubClientBuild },
    ],
  },
  // 127.0.0.1, not localhost: the emulator's upstream calls reach the dev server at this address.
  // No CORS middleware: the page is same-origin, and Vite's would answer the emulator's OPTIONS
  // (Web PubSub abuse protection) before /api/eventhandler sees it.
  server: { host: '127.0.0.1', port: 5173, cors: false },
  // Every bare import of the browser build, pre-bundled up front: a dependency found only at
  // request time makes Vite re-optimize and reload the page, which drops the tab's connections.
  // @azure/event-hubs loads on the dashboard's first factory call (a dynamic import), which Vite
  // would only discover then; `buffer` and the `process` shim are what node-globals.ts installs.
  optimizeDeps: {
    include: ['@azure/web-pubsub-client', '@noble/hashes/hmac.js', '@noble/hashes/sha2.js', '@azure/event-hubs', '@azure/core-util', 'buffer', 'process/browser.js'],
  },
  // All three emulators on the CLI's ports by default (`npm start` offers them to other apps too);
  // DEMO_EVENTHUBS=0 skips Event Hubs (the dashboard panel then says so), DEMO_EMULATOR_PORTS=free picks free ports.
  plugins: [demoServerPlugin({ eventhubs: process.env.DEMO_EVENTHUBS !== '0', ports: process.env.DEMO_EMULATOR_PORTS === 'free' ? 'free' : 'default' })],
});
