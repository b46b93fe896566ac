import type { Connection, Message, Receiver, Sender } from 'rhea';
import { internals } from './link-helpers.js';
import { queuedOutgoing } from './outbound-budget.js';

// Where a `$cbs` / `$management` answer goes (docs/protocol/eventhubs.md §3, §4). With a
// `reply-to`, to the client's receiver whose name or target address equals it (the JS SDK).
// Without one (Python's azure-eventhub and the C library behind uamqp send none), the service
// answers on the client's receiving link attached to the same node, preferring the request's session.

export interface ManagementAnswer {
  application_properties: Record<string, unknown>;
  body?: unknown;
}

function sourceAddress(link: Sender): string | undefined {
  return internals(link).remote.attach?.source?.address;
}

export function replyLink(connection: Connection, requestLink: Receiver, replyTo: unknown): Sender | undefined {
  if (typeof replyTo === 'string' && replyTo !== '') {
    return connection.find_sender(
      (candidate: Sender) => candidate.name === replyTo || internals(candidate).remote.attach?.target?.address === replyTo,
    );
  }
  const node = internals(requestLink).remote.attach?.target?.address;
  if (typeof node !== 'string') return undefined;
  const onNode = (candidate: Sender): boolean => candidate.is_open() && sourceAddress(candidate) === node;
  return (
    connection.find_sender((candidate: Sender) => onNode(candidate) && candidate.session === requestLink.session) ??
    connection.find_sender(onNode)
  );
}

/**
 * Answers a client asked for and has not taken. Without credit on its reply link rhea queues them
 * without end: 100,000 put-tokens from a connection with no token yet, and no credit, held 80 MB.
 * [?] The service's behaviour is not documented; an honest client keeps credit open for its answers.
 */
export const MAX_UNTAKEN_REPLIES = 100;

export function sendReply(connection: Connection, requestLink: Receiver, request: Message, reply: ManagementAnswer): void {
  const link = replyLink(connection, requestLink, request.reply_to);
  if (!link) return;
  if (queuedOutgoing(link.session, link).count >= MAX_UNTAKEN_REPLIES) {
    requestLink.close({ condition: 'amqp:resource-limit-exceeded', description: `${MAX_UNTAKEN_REPLIES} answers are waiting for link credit on the reply link; grant credit before sending more requests.` });
    return;
  }
  link.send({
    ...(typeof request.reply_to === 'string' ? { to: request.reply_to } : {}),
    correlation_id: request.message_id,
    application_properties: reply.application_properties,
    ...(reply.body !== undefined ? { body: reply.body } : {}),
  } as Message);
}
