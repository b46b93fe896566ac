import type { Duplex } from 'node:stream';
import type { HybridConnection } from './entities.js';
import type { RequestChannel } from './request-channel.js';

/**
 * Rendezvous request channels bound to the sender's HTTP connection they serve, one per entity:
 * a keep-alive connection may carry requests for several hybrid connections, and each must reach
 * its own entity's listeners (docs/protocol/relay.md §1.5 binds a rendezvous to the sender connection
 * of *that* hybrid connection). A channel lives as long as the sender's connection.
 */
export class SenderChannels {
  readonly #channels = new WeakMap<Duplex, Map<HybridConnection, RequestChannel>>();

  of(senderConnection: Duplex, entity: HybridConnection): RequestChannel | undefined {
    return this.#channels.get(senderConnection)?.get(entity);
  }

  bind(senderConnection: Duplex, entity: HybridConnection, channel: RequestChannel): void {
    let byEntity = this.#channels.get(senderConnection);
    if (!byEntity) this.#channels.set(senderConnection, (byEntity = new Map()));
    const previous = byEntity.get(entity);
    if (previous && previous !== channel) previous.terminate(1000, 'replaced');
    byEntity.set(entity, channel);
    const onSenderGone = () => channel.terminate(1000, 'The sender connection closed');
    senderConnection.once('close', onSenderGone);
    channel.onClosed(() => {
      senderConnection.off('close', onSenderGone);
      if (byEntity.get(entity) === channel) byEntity.delete(entity);
    });
  }
}
