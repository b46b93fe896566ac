import { Buffer } from 'buffer';
import process from 'process/browser.js';

// @azure/event-hubs' browser build reads the Node globals `process` and `Buffer` while it loads
// (its README asks the bundler for them; docs/eventhubs-client.md). The dashboard imports this
// module before its first factory call loads the SDK. The shim has no `versions.node`, so the SDK
// still sees a browser and uses the page's WebSocket.
const scope = globalThis as { process?: unknown; Buffer?: unknown };
scope.process ??= process;
scope.Buffer ??= Buffer;
