import { Buffer } from 'buffer';
// @ts-expect-error: the `process` shim ships no types; only its presence matters here
import process from 'process/browser.js';

// @azure/event-hubs' browser build (rhea, the `util` package) reads the Node globals `process`
// (process.env, process.nextTick) and `Buffer` while its modules load; its README asks bundlers to
// provide them (notes/eventhubs-protocol.md §11.1). An app does the same in its own entry or
// bundler config (docs/eventhubs-client.md). The SDK's isNodeLike comes from @azure/core-util's
// `browser` build (a constant false), so the shim does not make it think it runs in Node.
const scope = globalThis as { process?: unknown; Buffer?: unknown };
scope.process ??= process;
scope.Buffer ??= Buffer;
