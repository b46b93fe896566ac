// The relay quickstart's listener (Python: listener.py) in TypeScript: go online, accept relayed
// WebSockets, print every {"message": …} a sender writes, and answer HTTP requests too.
// Run: azure-realtime emulator (or set config.json to a real namespace), then
//   npx esbuild examples/relay-listener.ts --bundle --platform=node --format=esm --packages=external --outfile=test-output/examples/listener.mjs
//   node test-output/examples/listener.mjs [config.json]
import { HybridConnectionListener, decodeQuickstartMessage, encodeQuickstartMessage, toFrameData } from 'azure-realtime';
import { loadQuickstartEntity } from './relay-quickstart-config.js';

const listener = new HybridConnectionListener(loadQuickstartEntity(), {
  requestHandler: async (request) => new Response(`Hello from the listener, you sent ${request.method} ${new URL(request.url).pathname}\n`),
});

listener.on('connecting', (error) => console.log(`connecting${error ? ` (after: ${error.message})` : ''}`));
listener.on('online', () => console.log(`online at ${listener.address}; press Ctrl+C to stop`));
listener.on('offline', (error) => console.log(`offline${error ? `: ${error.message}` : ''}`));
listener.on('error', (error) => console.log(`error (${error.code}): ${error.message}`));

listener.on('connection', ({ socket, request }) => {
  console.log(`connection ${request.id} accepted`);
  socket.onmessage = (event) => {
    try {
      const message = decodeQuickstartMessage(toFrameData(event.data));
      console.log(`received: ${message}`);
      socket.send(encodeQuickstartMessage(`echo: ${message}`));
    } catch (error) {
      console.log(`not a quickstart frame: ${(error as Error).message}`);
    }
  };
  socket.onclose = (event) => console.log(`connection ${request.id} closed (${event.code})`);
});

process.on('SIGINT', () => void listener.close().then(() => process.exit(0)));
await listener.open();
