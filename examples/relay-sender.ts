// The relay quickstart's sender (Python: sender.py) in TypeScript: open a relayed WebSocket, send
// each argument as {"message": …}, print the listener's replies; then one HTTP request.
//   npx esbuild examples/relay-sender.ts --bundle --platform=node --format=esm --packages=external --outfile=test-output/examples/sender.mjs
//   node test-output/examples/sender.mjs [config.json] [message ...]
import { HybridConnectionClient, decodeQuickstartMessage, encodeQuickstartMessage, toFrameData } from 'azure-realtime';
import { loadQuickstartEntity } from './relay-quickstart-config.js';

const messages = process.argv.slice(3);
if (messages.length === 0) messages.push('Hello from the TypeScript sender');

const client = new HybridConnectionClient(loadQuickstartEntity());
const socket = await client.createConnection();
let pending = messages.length;
const done = new Promise<void>((resolve) => {
  socket.onmessage = (event) => {
    console.log(`reply: ${decodeQuickstartMessage(toFrameData(event.data))}`);
    if (--pending === 0) resolve();
  };
});
for (const message of messages) socket.send(encodeQuickstartMessage(message));
await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5000))]);
socket.close();

const response = await client.fetch('hello');
console.log(`HTTP ${response.status}: ${(await response.text()).trim()}`);
