import type { Connection } from 'rhea';

// A client may send a few frames on a session after its own `end`: rhea (under the Azure SDK)
// keeps granting flow while it works through transfers that crossed the end on the wire. rhea
// on our side has unmapped that channel by then and throws "flow received on invalid channel",
// which closed the whole connection; the SDK's close() then hung (it reconnects while closing).
// Microsoft.Azure.Amqp, the service's stack, drops end and detach for a channel it no longer
// maps ("the session close may timed out already") and, with IgnoreMissingSessions, anything
// else (https://github.com/Azure/azure-amqp, src/AmqpConnection.cs OnReceiveSessionFrame); the
// service's setting is unknown [U]. Here flow, transfer, disposition, detach and end on a channel
// the client ended are dropped; a channel that was never begun stays an error.

const DROPPED = ['flow', 'transfer', 'disposition', 'detach', 'end'] as const;

interface FrameHandlers {
  remote_channel_map: Record<number, unknown>;
  on_begin(frame: { channel: number }): void;
  on_end(frame: { channel: number }): void;
}

export function dropFramesOnEndedSessions(connection: Connection): void {
  const target = connection as unknown as FrameHandlers & Record<string, (frame: { channel: number }) => void>;
  // Channels whose session the client ended; at most channel-max of them.
  const ended = new Set<number>();
  const begin = target.on_begin;
  target.on_begin = function (frame) {
    ended.delete(frame.channel);
    begin.call(this, frame);
  };
  for (const name of DROPPED) {
    const handler = target[`on_${name}`]!;
    target[`on_${name}`] = function (frame) {
      if (target.remote_channel_map[frame.channel] === undefined && ended.has(frame.channel)) return;
      if (name === 'end') ended.add(frame.channel);
      handler.call(this, frame);
    };
  }
}
