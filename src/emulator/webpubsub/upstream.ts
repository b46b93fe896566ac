import { randomUUID } from 'node:crypto';
import { concatBytes } from '../../core/encoding.js';
import { redactSecrets } from '../../core/errors.js';
import { computeEventSignature } from '../../core/webpubsub/cloud-events.js';
import { WEBPUBSUB_MAX_MESSAGE_BYTES } from '../../core/webpubsub/limits.js';
import { nodeHmac } from '../../node/hmac.js';
import type { EventHandlerSettings, HubSettings, SystemEventName } from './options.js';

// Upstream CloudEvents in HTTP binary mode (docs/protocol/webpubsub.md §5): abuse-protection OPTIONS before
// first use, then POSTs with every ce-* header @azure/web-pubsub-express needs.

const VALIDATE_TIMEOUT_MS = 10_000;
/** [?] The service's upstream timeout is not documented; 20 s keeps a slow handler from hanging a client forever. */
const EVENT_TIMEOUT_MS = 20_000;

export interface UpstreamConnection {
  connectionId: string;
  userId?: string;
  subprotocol?: string;
  /** Base64 JSON set by an earlier `ce-connectionState` response header. */
  state?: string;
}

export interface UpstreamResponse {
  status: number;
  contentType: string | null;
  body: Uint8Array;
  /** `ce-connectionState` from the response, when present. */
  state?: string;
}

export type UpstreamEvent = { system: SystemEventName } | { user: string };

export class Upstream {
  readonly #validated = new Map<string, Promise<boolean>>();

  constructor(
    private readonly settingsFor: (hub: string) => HubSettings | undefined,
    private readonly accessKey: string,
    /** `host:port` of the emulator, sent as WebHook-Request-Origin. */
    private readonly origin: string,
    private readonly log: (line: string) => void,
  ) {}

  handlerFor(hub: string, event: UpstreamEvent): EventHandlerSettings | undefined {
    return this.settingsFor(hub)?.eventHandlers?.find((handler) => {
      if ('system' in event) return handler.systemEvents?.includes(event.system) ?? false;
      const pattern = handler.userEventPattern?.trim();
      if (!pattern) return false;
      return pattern === '*' || pattern.split(',').some((name) => name.trim() === event.user);
    });
  }

  async send(hub: string, event: UpstreamEvent, connection: UpstreamConnection, body: Uint8Array, contentType: string): Promise<UpstreamResponse | undefined> {
    const handler = this.handlerFor(hub, event);
    if (!handler) return undefined;
    const eventName = 'system' in event ? event.system : event.user;
    const url = expand(handler.urlTemplate, eventName, hub);
    if (!(await this.#validate(expand(handler.urlTemplate, 'validate', hub)))) {
      this.log(`webpubsub: upstream ${redactSecrets(url)} failed abuse protection; ${eventName} not delivered`);
      return { status: 502, contentType: null, body: new Uint8Array() };
    }
    const headers: Record<string, string> = {
      'content-type': contentType,
      'ce-specversion': '1.0',
      'ce-awpsversion': '1.0',
      'ce-type': 'system' in event ? `azure.webpubsub.sys.${event.system}` : `azure.webpubsub.user.${event.user}`,
      // [?] system-event docs say /hubs/{hub}/client/{id}, user-event docs /client/{id}; we use the former.
      'ce-source': `/hubs/${hub}/client/${connection.connectionId}`,
      'ce-id': randomUUID(),
      'ce-time': new Date().toISOString(),
      'ce-connectionId': connection.connectionId,
      'ce-hub': hub,
      'ce-eventName': eventName,
      'ce-signature': await computeEventSignature(connection.connectionId, [this.accessKey], nodeHmac),
      'WebHook-Request-Origin': this.origin,
    };
    if (connection.userId !== undefined) headers['ce-userId'] = connection.userId;
    if (connection.subprotocol) headers['ce-subprotocol'] = connection.subprotocol;
    if (connection.state) headers['ce-connectionState'] = connection.state;
    try {
      const response = await fetch(url, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(EVENT_TIMEOUT_MS) });
      const state = response.headers.get('ce-connectionState') ?? undefined;
      return {
        status: response.status,
        contentType: response.headers.get('content-type'),
        body: await readBounded(response, MAX_RESPONSE_BYTES),
        ...(state === undefined ? {} : { state }),
      };
    } catch (error) {
      this.log(`webpubsub: upstream ${redactSecrets(url)} for ${eventName} failed: ${redactSecrets(String((error as Error).message))}`);
      return { status: 502, contentType: null, body: new Uint8Array() };
    }
  }

  /** OPTIONS (GET when OPTIONS gives 404) must answer WebHook-Allowed-Origin `*` or our origin. Cached on success. */
  #validate(url: string): Promise<boolean> {
    let pending = this.#validated.get(url);
    if (!pending) {
      pending = this.#probe(url);
      this.#validated.set(url, pending);
      void pending.then((ok) => {
        if (!ok) this.#validated.delete(url);
      });
    }
    return pending;
  }

  async #probe(url: string): Promise<boolean> {
    const headers = { 'WebHook-Request-Origin': this.origin, 'ce-awpsversion': '1.0' };
    try {
      let response = await fetch(url, { method: 'OPTIONS', headers, signal: AbortSignal.timeout(VALIDATE_TIMEOUT_MS) });
      if (response.status === 404) response = await fetch(url, { method: 'GET', headers, signal: AbortSignal.timeout(VALIDATE_TIMEOUT_MS) });
      await response.arrayBuffer().catch(() => undefined);
      const allowed = (response.headers.get('WebHook-Allowed-Origin') ?? '').split(',').map((o) => o.trim().toLowerCase());
      return response.ok && (allowed.includes('*') || allowed.includes(this.origin.toLowerCase()));
    } catch {
      return false;
    }
  }
}

/** A handler's answer goes back to a client as one message, so it gets the message bound (§3 "Limits"). */
const MAX_RESPONSE_BYTES = WEBPUBSUB_MAX_MESSAGE_BYTES;

async function readBounded(response: Response, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > limit) {
        await response.body.cancel().catch(() => undefined);
        throw new Error(`the event handler answered more than ${limit} bytes`);
      }
      chunks.push(chunk);
    }
  }
  return concatBytes(chunks);
}

function expand(template: string, event: string, hub: string): string {
  return template.replace(/\{event\}/gi, encodeURIComponent(event)).replace(/\{hub\}/gi, encodeURIComponent(hub));
}
