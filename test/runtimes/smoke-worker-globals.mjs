// The Node globals @azure/event-hubs' browser build reads as it loads (docs/eventhubs-client.md
// "Bundling for the browser"): the same shims a page installs, from the SDK's own dependencies.
// Imported first by smoke-worker.mjs, so they exist before the factories load the SDK.
import { Buffer } from 'buffer';
import process from 'process/browser.js';

globalThis.process ??= process;
globalThis.Buffer ??= Buffer;
