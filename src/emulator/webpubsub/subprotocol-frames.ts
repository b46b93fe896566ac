import type { AckError, InvokeMessage, InvokeResponseMessage, MessagePayload, UpstreamMessage } from '../../core/webpubsub/frames.js';
import { RememberedAckIds } from './ack-ids.js';
import { CLOSE_POLICY, CLOSE_WRONG_FRAME_TYPE } from './close-codes.js';
import type { FrameTarget } from './connection-types.js';
import type { Subprotocol } from './subprotocols.js';
import { forwardUserEvent, invokeUserEvent } from './user-events.js';

// What a client on one of the four subprotocols may send (docs/protocol/webpubsub.md §4): ping,
// sequenceAck, invoke / cancelInvocation, and the ackable joinGroup, leaveGroup, sendToGroup and
// event — each checked against the connection's permissions, and de-duplicated by ackId.

type Ackable = Exclude<UpstreamMessage, { type: 'ping' | 'sequenceAck' | 'invoke' | 'cancelInvocation' }>;

export function payloadOf(message: MessagePayload): MessagePayload {
  return { dataType: message.dataType, data: message.data } as MessagePayload;
}

function forbidden(action: string): AckError {
  return { name: 'Forbidden', message: `The connection has no permission to ${action}` };
}

/**
 * Groups one connection may be in at once. [?] The service documents no such limit; without one a
 * client joined groups until the process ran out of memory (2,000 joins of 100 KB names: 250 MB).
 */
export const MAX_GROUPS_PER_CONNECTION = 10_000;

/**
 * The service's rule for a group name (REST paths, docs/protocol/webpubsub.md §3): 1–1024 characters,
 * not all whitespace. [?] Its ack error for a client frame breaking it is not documented: BadRequest.
 */
function badGroup(group: string): AckError | undefined {
  if (group.length === 0 || group.length > 1024 || group.trim().length === 0) {
    return { name: 'BadRequest', message: 'A group name must be 1 to 1024 characters and not only whitespace' };
  }
  return undefined;
}

export class SubprotocolFrames {
  readonly #ackIds = new RememberedAckIds();
  /** Invocations waiting for the event handler; a cancel or the end of the session drops the answer. */
  #invocations: Set<string> | undefined; // made on the first invoke

  readonly #protocol: Subprotocol;
  readonly #target: FrameTarget;

  constructor(protocol: Subprotocol, target: FrameTarget) {
    this.#protocol = protocol;
    this.#target = target;
  }

  /** Handles one frame; resolves to the work still running for it (an invoke), if any, wrapped so it is not awaited. */
  async handle(bytes: Buffer, isBinary: boolean): Promise<{ running: Promise<unknown> } | undefined> {
    const protocol = this.#protocol;
    const target = this.#target;
    if (isBinary !== protocol.binaryFrames) {
      target.end(CLOSE_WRONG_FRAME_TYPE, `The ${protocol.name} subprotocol requires ${isBinary ? 'text' : 'binary'} frames`);
      return undefined;
    }
    const message = protocol.codec.decode(isBinary ? new Uint8Array(bytes) : bytes.toString('utf8'));
    switch (message.type) {
      case 'ping':
        target.send({ type: 'pong' });
        return undefined;
      case 'sequenceAck':
        target.connection.session?.ack(message.sequenceId);
        return undefined;
      case 'invoke':
        // Not awaited: an invocation may wait on the upstream while later frames (and a cancel) proceed.
        return { running: this.#invoke(message).catch((error: unknown) => target.connection.context.log(`webpubsub: invoke on ${target.connection.id} failed: ${(error as Error).message}`)) };
      case 'cancelInvocation':
        this.#invocations?.delete(message.invocationId);
        return undefined;
      default:
        await this.#handleAckable(message);
        return undefined;
    }
  }

  async #invoke(message: InvokeMessage): Promise<void> {
    const { invocationId } = message;
    const target = this.#target;
    const respond = (response: Omit<InvokeResponseMessage, 'type' | 'invocationId'>) => target.send({ type: 'invokeResponse', invocationId, ...response } as InvokeResponseMessage);
    const invocations = (this.#invocations ??= new Set());
    if (invocations.has(invocationId)) {
      return respond({ success: false, error: { name: 'Duplicate', message: `Invocation ${invocationId} is already in progress` } });
    }
    invocations.add(invocationId);
    const result = await invokeUserEvent(target.connection, message.event, message.dataType === undefined ? undefined : payloadOf(message));
    // A cancelInvocation (or the end of the session) while waiting means nobody wants the answer.
    if (!invocations.delete(invocationId) || target.connection.ended) return;
    if (!result.success) return respond({ success: false, error: result.error });
    respond(result.payload ? ({ success: true, dataType: result.payload.dataType, data: result.payload.data } as Omit<InvokeResponseMessage, 'type' | 'invocationId'>) : { success: true });
  }

  async #handleAckable(message: Ackable): Promise<void> {
    const { ackId } = message;
    const target = this.#target;
    const { connection } = target;
    const ack = (error?: AckError) => {
      if (ackId !== undefined) target.send({ type: 'ack', ackId, success: !error, ...(error ? { error } : {}) });
    };
    if (ackId !== undefined && this.#ackIds.has(ackId)) return ack({ name: 'Duplicate', message: `Message with ack-id: ${ackId} has been processed` });
    const succeed = () => {
      if (ackId !== undefined) this.#ackIds.add(ackId);
      ack();
    };
    const { hub } = connection.context;
    if (message.type !== 'event') {
      const invalid = badGroup(message.group);
      if (invalid) return ack(invalid);
    }
    switch (message.type) {
      case 'joinGroup':
      case 'leaveGroup':
        if (!connection.permissions.has('joinLeaveGroup', message.group)) return ack(forbidden(`join or leave group ${message.group}`));
        if (message.type === 'joinGroup' && !connection.groups.has(message.group) && connection.groups.size >= MAX_GROUPS_PER_CONNECTION) {
          return ack({ name: 'BadRequest', message: `A connection may be in at most ${MAX_GROUPS_PER_CONNECTION} groups` });
        }
        if (message.type === 'joinGroup') hub.join(connection, message.group);
        else hub.leave(connection, message.group);
        return succeed();
      case 'sendToGroup':
        if (!connection.permissions.has('sendToGroup', message.group)) return ack(forbidden(`send to group ${message.group}`));
        connection.publishToGroup(message.group, payloadOf(message), message.noEcho === true);
        return succeed();
      case 'event': {
        const outcome = await forwardUserEvent(connection, message.event, payloadOf(message));
        if (outcome === 'failed') {
          target.end(CLOSE_POLICY, 'Upstream event handler failed');
          return;
        }
        return succeed();
      }
    }
  }
}
