// Web PubSub limits that the client side (src/core, src/node) and the emulator share.

/** The largest client frame, event body or REST message the service takes: 1 MB (docs/protocol/webpubsub.md §3 "Limits"). */
export const WEBPUBSUB_MAX_MESSAGE_BYTES = 1024 * 1024;
