import { RealtimeError } from '../errors.js';
import { toFrameData } from '../frame-data.js';
import type { RequestBody } from './lazy-request.js';
import { decodeControlMessage, type ControlMessage, type RequestMessage } from './protocol.js';

// One reader for both sockets that carry requests to the listener: the control channel and a
// request rendezvous (docs/protocol/relay.md §1.5). A `request` with `body: true` is followed by exactly one
// binary message; every other frame is a JSON control message. A body that arrived as an ArrayBuffer
// (sockets we open use binaryType 'arraybuffer') is passed on as that buffer: it is this request's
// own, and the handler's `arrayBuffer()` can hand it over without a copy (lazy-request.ts).

/** A frame that breaks the protocol, and the close code a socket carrying it deserves. */
export type FrameFailure = (error: RealtimeError, closeCode: 1003 | 1008 | 1009) => void;

export function createFrameReader(
  maxBodyBytes: number,
  onMessage: (message: ControlMessage, body?: RequestBody) => void,
  onFailure: FrameFailure,
): (data: unknown) => void {
  let awaitingBody: RequestMessage | undefined;
  return (data) => {
    let frame: string | Uint8Array;
    try {
      frame = toFrameData(data);
    } catch (cause) {
      return onFailure(new RealtimeError('protocol', 'unreadable frame', { cause }), 1003);
    }
    const request = awaitingBody;
    awaitingBody = undefined;
    if (request) {
      if (typeof frame === 'string') return onFailure(new RealtimeError('protocol', `expected the body of request ${request.id} as a binary frame, got text`), 1003);
      if (frame.length > maxBodyBytes) return onFailure(new RealtimeError('too_large', `request body of ${frame.length} bytes exceeds ${maxBodyBytes}`), 1009);
      return onMessage(request, data instanceof ArrayBuffer ? data : frame);
    }
    if (typeof frame !== 'string') return onFailure(new RealtimeError('protocol', 'unexpected binary frame'), 1003);
    let message: ControlMessage;
    try {
      message = decodeControlMessage(frame);
    } catch (error) {
      return onFailure(error as RealtimeError, 1008);
    }
    if (message.type === 'request' && message.body) awaitingBody = message;
    else onMessage(message);
  };
}
