import type { OmittedItems } from './bound-picture.js';
import type { EventHubsSnapshot } from '../eventhubs/snapshot.js';
import type { RelaySnapshot } from '../relay/snapshot.js';
import type { WebPubSubSnapshot } from '../webpubsub/snapshot.js';

/** One message of the live stream and the answer of GET /snapshot (server.ts); null for a service not running. */
export interface DashboardPicture {
  /** `host:port` of each running service (no keys). */
  endpoints: Partial<Record<'relay' | 'webpubsub' | 'eventhubs', string>>;
  relay: RelaySnapshot | null;
  webpubsub: WebPubSubSnapshot | null;
  eventhubs: EventHubsSnapshot | null;
  /** Lists cut short to bound the picture (bound-picture.ts). */
  omitted?: OmittedItems[];
}
