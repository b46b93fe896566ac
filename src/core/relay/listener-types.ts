import type { SocketLike } from '../transport.js';
import type { RemoteEndpoint } from './protocol.js';

// What a listener hands the app on a WebSocket accept (docs/protocol/relay.md §1.3). Types only, so
// the listener, its context and the accept path share them without importing each other.

export interface RelayAcceptRequest {
  /** The sender's sb-hc-id, or one the service made up. */
  id: string;
  /** `https://{namespace}/{path}[/suffix][?app query]` with `$hc` and `sb-hc-*` removed. */
  url: string;
  /** The sender's connect headers, names lowercased. */
  headers: Record<string, string>;
  /** Offered subprotocols, in the sender's order. */
  protocols: string[];
  remoteEndpoint?: RemoteEndpoint;
}

/** `true` accepts (echoing the first offered subprotocol), `{ protocol }` picks one, `false` or `{ status }` rejects. */
export type AcceptResult = boolean | { protocol: string } | { status: number; statusDescription?: string };
export type AcceptHandler = (request: RelayAcceptRequest) => AcceptResult | Promise<AcceptResult>;

export interface RelayConnection {
  /** The relayed WebSocket, open, `binaryType` 'arraybuffer'. */
  socket: SocketLike;
  request: RelayAcceptRequest;
}
