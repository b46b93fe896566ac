// Options of azureRealtime() (src/vite/plugin.ts); their own file so the plugin and the dev
// backend share them without importing each other.

export interface AzureRealtimeOptions {
  /**
   * Start the Relay, Web PubSub and Event Hubs emulators inside the dev server (`vite`, not
   * `vite build`), close them with it, and serve the development endpoints a page needs without
   * holding a key (see DevEmulatorOptions). `true` = all three with the defaults. Default off.
   */
  emulator?: boolean | DevEmulatorOptions;
}

/**
 * The emulators and endpoints of the dev server. Endpoints, under `apiBase` (default `/api`):
 * `GET config` (addresses, no keys), `GET negotiate?user=NAME` (a Web PubSub client URL),
 * `GET relay-token?path=ENTITY` (a Relay SAS, 5 min), `GET eventhubs-token` (an Event Hubs SAS
 * for the hub, 60 min), and `POST eventhandler` when `broadcastEvent` is set. Development only:
 * they hand tokens to anyone who can reach the dev server, and negotiate trusts the user name.
 */
export interface DevEmulatorOptions {
  /** Start the Relay emulator and serve `relay-token` (default true). */
  relay?: boolean;
  /** Start the Web PubSub emulator and serve `negotiate` (default true). */
  webpubsub?: boolean;
  /** Start the Event Hubs emulator and serve `eventhubs-token` (default true). */
  eventhubs?: boolean;
  /** `'default'`: the CLI's ports (7380, 8080, 5672), free ones when those are busy; `'free'`: free ports. Default `'default'`. */
  ports?: 'default' | 'free';
  /** Path prefix of the endpoints (default `/api`). */
  apiBase?: string;
  /** The Web PubSub hub `negotiate` connects to (default `chat`). */
  webPubSubHub?: string;
  /**
   * A Web PubSub user event that the dev server sends on to every connection of the hub as
   * `{ from, data }` (clients cannot send to all themselves). Default none: no event handler.
   */
  broadcastEvent?: string;
  /** The Event Hubs hub `eventhubs-token` signs for (default `eh1`, the emulator's default hub). */
  eventHubName?: string;
  /**
   * Also serve the emulator dashboard, a live page of all three (src/emulator/dashboard), on port
   * 7390 (a free one when busy, or with `ports: 'free'`); its URL is printed with the emulators. Default true.
   */
  dashboard?: boolean;
}
