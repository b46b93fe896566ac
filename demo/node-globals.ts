import { Buffer } from 'buffer';
import process from 'process/browser.js';

// @azure/event-hubs' browser build reads the Node globals `process` and `Buffer` while it loads
// (its README asks the bundler for them; docs/eventhubs-client.md). The dashboard imports this
// module before its first factory call loads the SDK. The SDK's isNodeLike is a constant of
// @azure/core-util's `browser` build, so the shim does not make it think it runs in Node.
const scope = globalThis as { process?: unknown; Buffer?: unknown };
scope.process ??= process;
scope.Buffer ??= Buffer;
