/**
 * @module azure-realtime/eventhubs — the Event Hubs factories over the official `@azure/event-hubs`
 * (loaded on first call). Its own entry: the SDK's AMQP layer needs `os`/`path` stubs in browser
 * bundlers, which apps that never use Event Hubs should not have to add. The same in every runtime:
 * the SDK picks its own transport and signs its own tokens.
 */
export * from '../core/eventhubs/index.js';
