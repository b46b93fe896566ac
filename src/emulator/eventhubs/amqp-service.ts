import rhea, { type Connection, type Container, type EventContext, type Message, type Receiver, type Sender } from 'rhea';
import { ConnectionGrants, type CbsAuthority } from './cbs.js';
import { parseEntityPath } from './entity-path.js';
import { EpochRegistry } from './epochs.js';
import { IdempotentProducers } from './idempotent.js';
import { handleManagementRequest } from './management.js';
import type { EventHubsNamespace } from './namespace.js';
import { openConsumer } from './consumer-attach.js';
import { openProducer, type ProducerLink } from './sender-link.js';
import type { ConsumerLink } from './receiver-link.js';
import { installSaslMechanisms, saslGrantsOf } from './sasl.js';
import { echoTermini, internals } from './link-helpers.js';
import { sendFullPerformatives } from './full-frames.js';
import { sendReply } from './reply-route.js';

// The AMQP side of the emulator, on rhea in its server role: one container, every accepted
// connection routed by link address to `$cbs`, `$management`, producer or consumer handling.

export const MAX_FRAME_SIZE = 65536;

/** What rhea needs from a transport; TCP, TLS and WebSocket all arrive through this shape. */
export interface AmqpSocket {
  on(event: 'data' | 'end' | 'error', handler: (arg?: unknown) => void): void;
  write(data: Buffer): void;
  end(): void;
  destroy?(): void;
}

interface ConnectionState {
  grants: ConnectionGrants;
  consumers: Set<ConsumerLink>;
}

type LinkHandler =
  | { kind: 'cbs' }
  | { kind: 'management' }
  | { kind: 'producer'; producer: ProducerLink }
  | { kind: 'consumer'; consumer: ConsumerLink };

export interface AmqpServiceOptions {
  namespace: EventHubsNamespace;
  authority: CbsAuthority;
  log?: (line: string) => void;
}

export class EventHubsAmqpService {
  readonly container: Container;
  private readonly states = new WeakMap<Connection, ConnectionState>();
  private readonly links = new WeakMap<Sender | Receiver, LinkHandler>();
  private readonly connections = new Set<Connection>();
  readonly epochs = new EpochRegistry();
  private readonly idempotent = new IdempotentProducers();

  constructor(private readonly options: AmqpServiceOptions) {
    this.container = rhea.create_container({ id: 'azure-realtime-eventhubs-emulator' });
    installSaslMechanisms(this.container, options.authority);
    this.container.on('receiver_open', (context: EventContext) => this.onClientSender(context));
    this.container.on('sender_open', (context: EventContext) => this.onClientReceiver(context));
    this.container.on('message', (context: EventContext) => this.onMessage(context));
    this.container.on('sendable', (context: EventContext) => this.consumerOf(context.sender)?.pump());
    this.container.on('sender_close', (context: EventContext) => this.closeConsumer(context));
    // A client may end a session without detaching its links first.
    this.container.on('session_close', (context: EventContext) => this.forgetSession(context));
    this.container.on('connection_open', (context: EventContext) => this.stateOf(context.connection));
    this.container.on('disconnected', (context: EventContext) => this.forget(context.connection));
    this.container.on('connection_close', (context: EventContext) => this.forget(context.connection));
    // Errors a client reports when it closes a connection, session or link are its business;
    // handled here so rhea never escalates them to an uncaught 'error'.
    for (const event of ['connection_error', 'session_error', 'sender_error', 'receiver_error']) {
      this.container.on(event, () => {});
    }
    this.container.on('error', (error: unknown) => this.options.log?.(`eventhubs: ${String(error)}`));
  }

  accept(socket: AmqpSocket, onViolation: (connection: Connection, error: unknown) => void): Connection {
    const connection = this.container.create_connection({
      container_id: 'azure-realtime-eventhubs-emulator',
      max_frame_size: MAX_FRAME_SIZE,
      channel_max: 4999,
      // The client is told to send something every 60 s; rhea sends our heartbeats at half the client's 60 s (docs/protocol/eventhubs.md §2).
      idle_time_out: 120_000,
      properties: { product: 'azure-realtime-eventhubs-emulator' },
      autoaccept: false,
      credit_window: 1000,
    } as never) as Connection & { accept(socket: AmqpSocket): Connection };
    sendFullPerformatives(connection, rhea.types as never);
    connection.on('error', (error: unknown) => onViolation(connection, error));
    connection.on('protocol_error', (error: unknown) => onViolation(connection, error));
    this.connections.add(connection);
    return connection.accept(socket);
  }

  /** Open-and-authorized test of the handshake deadline: a grant from CBS or SASL PLAIN (or any token accepted). */
  isAuthorized(connection: Connection): boolean {
    const grants = this.states.get(connection)?.grants ?? saslGrantsOf(connection);
    return this.options.authority.acceptAnyToken || grants?.granted === true;
  }

  private stateOf(connection: Connection): ConnectionState {
    let state = this.states.get(connection);
    if (!state) {
      state = { grants: saslGrantsOf(connection) ?? new ConnectionGrants(), consumers: new Set() };
      this.states.set(connection, state);
    }
    return state;
  }

  private forget(connection: Connection): void {
    const state = this.states.get(connection);
    if (state) for (const consumer of state.consumers) consumer.dispose();
    state?.consumers.clear();
    this.connections.delete(connection);
  }

  private closeConsumer(context: EventContext): void {
    const consumer = this.consumerOf(context.sender);
    if (!consumer) return;
    consumer.dispose();
    this.states.get(context.connection)?.consumers.delete(consumer);
  }

  private forgetSession(context: EventContext): void {
    const state = this.states.get(context.connection);
    for (const consumer of state?.consumers ?? []) {
      if (consumer.session === context.session) {
        consumer.dispose();
        state!.consumers.delete(consumer);
      }
    }
  }

  private consumerOf(link: Sender | undefined): ConsumerLink | undefined {
    const handler = link ? this.links.get(link) : undefined;
    return handler?.kind === 'consumer' ? handler.consumer : undefined;
  }

  /** The client attached a sender: we receive on `$cbs`, `$management` or a hub/partition. */
  private onClientSender(context: EventContext): void {
    const link = context.receiver!;
    const address = internals(link).remote.attach?.target?.address;
    const entity = parseEntityPath(address);
    const state = this.stateOf(context.connection);
    if (entity.kind === 'cbs' || entity.kind === 'management' || entity.kind === 'hub-management') {
      echoTermini(link);
      this.links.set(link, { kind: entity.kind === 'cbs' ? 'cbs' : 'management' });
      return;
    }
    const producer = openProducer({
      link,
      entity,
      namespace: this.options.namespace,
      authority: this.options.authority,
      grants: state.grants,
      idempotent: this.idempotent,
    });
    if (producer) this.links.set(link, { kind: 'producer', producer });
  }

  /** The client attached a receiver: we send CBS/management replies, or a partition's events. */
  private onClientReceiver(context: EventContext): void {
    const link = context.sender!;
    const address = internals(link).remote.attach?.source?.address;
    const entity = parseEntityPath(address);
    if (entity.kind === 'cbs' || entity.kind === 'management' || entity.kind === 'hub-management') {
      echoTermini(link);
      return;
    }
    const state = this.stateOf(context.connection);
    const consumer = openConsumer({
      link,
      entity,
      namespace: this.options.namespace,
      authority: this.options.authority,
      grants: state.grants,
      registry: this.epochs,
    });
    this.options.log?.(`eventhubs: receiver ${address} ${consumer ? `attached (epoch ${consumer.epoch ?? 'none'})` : 'refused'}`);
    if (!consumer) return;
    state.consumers.add(consumer);
    this.links.set(link, { kind: 'consumer', consumer });
  }

  private onMessage(context: EventContext): void {
    const link = context.receiver!;
    const handler = this.links.get(link);
    const state = this.stateOf(context.connection);
    if (handler?.kind === 'producer') {
      handler.producer.receive(context);
      return;
    }
    const message = context.message as Message;
    context.delivery?.accept();
    if (handler?.kind === 'cbs') {
      this.answerCbs(context.connection, link, state, message).catch((error: unknown) => {
        this.options.log?.(`eventhubs: put-token failed: ${String(error)}`);
      });
    } else if (handler?.kind === 'management') {
      const reply = handleManagementRequest(this.options.namespace, this.options.authority, state.grants, message);
      sendReply(context.connection, link, message, reply);
    }
  }

  private async answerCbs(connection: Connection, link: Receiver, state: ConnectionState, message: Message): Promise<void> {
    const props = (message.application_properties ?? {}) as Record<string, unknown>;
    const result =
      props.operation === 'put-token'
        ? await this.options.authority.putToken(state.grants, { name: props.name, type: props.type, token: message.body })
        : { status: 400, condition: 'amqp:not-implemented', description: `The CBS operation '${String(props.operation)}' is not supported.` };
    this.options.log?.(`eventhubs: put-token ${String(props.name)} -> ${result.status}`);
    sendReply(connection, link, message, {
      application_properties: {
        'status-code': rhea.types.wrap_int(result.status),
        'status-description': result.description,
        ...(result.condition ? { 'error-condition': result.condition } : {}),
      },
    });
  }

  closeAll(): void {
    for (const connection of this.connections) {
      try {
        connection.close({ condition: 'amqp:connection:forced', description: 'The emulator is shutting down.' });
      } catch {
        // already gone
      }
    }
  }
}
