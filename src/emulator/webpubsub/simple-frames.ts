import type { MessagePayload } from '../../core/webpubsub/frames.js';
import { CLOSE_POLICY } from './close-codes.js';
import type { FrameTarget, SimpleMode } from './connection-types.js';
import { forwardUserEvent } from './user-events.js';

// A simple (raw) client's frames (docs/protocol/webpubsub.md §4 "Simple"): each one is the `message`
// user event, or, with `webpubsub_mode=sendToGroup`, a message to one group.

export async function handleSimpleFrame(target: FrameTarget, mode: SimpleMode, bytes: Buffer, isBinary: boolean): Promise<void> {
  const { connection } = target;
  const payload: MessagePayload = isBinary ? { dataType: 'binary', data: new Uint8Array(bytes) } : { dataType: 'text', data: bytes.toString('utf8') };
  if (mode.mode === 'sendToGroup') {
    if (!connection.permissions.has('sendToGroup', mode.group)) {
      target.end(CLOSE_POLICY, `Forbidden: no permission to send to group ${mode.group}`);
      return;
    }
    connection.publishToGroup(mode.group, payload, false);
    return;
  }
  // A `message` event nobody handles, or a failing handler, closes a raw client (docs/protocol/webpubsub.md §4).
  const outcome = await forwardUserEvent(connection, 'message', payload);
  if (outcome !== 'delivered') target.end(CLOSE_POLICY, outcome === 'unhandled' ? 'No event handler for the message event' : 'Upstream event handler failed');
}
