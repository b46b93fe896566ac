// The sessions and links a client has open on one connection, counted from its begin, attach,
// detach and end frames before rhea sees them: rhea allocates a session (~7 KB) or a link
// (~11 KB) as each arrives, and nothing else bounded them. One connection that had not put a
// token attached 60,000 links to $cbs in seconds (400 MB); before the handshake deadline a few
// hundred such connections would take the process down. Until the connection holds a grant it
// gets what the SDKs use for CBS (one session, a sender and a receiver) with room to spare;
// after, as many sessions as channel-max allows and a bound on links.

export interface OpenLinkLimits {
  /** Sessions (and links) a connection may open before it is authorized; default 8. */
  maxLinksBeforeAuthorization: number;
  /** Sessions per connection once authorized: the channel-max the emulator advertises, 4999, plus channel 0. */
  maxSessions: number;
  /** Links per connection once authorized; default 5,000 (rhea-promise opens one session per link). */
  maxLinks: number;
}

export const DEFAULT_OPEN_LINK_LIMITS: OpenLinkLimits = { maxLinksBeforeAuthorization: 8, maxSessions: 5000, maxLinks: 5000 };

export class OpenLinks {
  /** Handles attached, by the channel of their session. */
  private readonly sessions = new Map<number, Set<number>>();
  private links = 0;

  constructor(
    private readonly limits: OpenLinkLimits,
    private readonly authorized: () => boolean,
  ) {}

  /** A description of the limit passed, or undefined when the session may begin. */
  begin(channel: number): string | undefined {
    if (this.sessions.has(channel)) return undefined;
    const max = this.authorized() ? this.limits.maxSessions : this.limits.maxLinksBeforeAuthorization;
    if (this.sessions.size >= max) return `at most ${max} sessions on this connection${this.authorized() ? '' : ' before it is authorized'}`;
    this.sessions.set(channel, new Set());
    return undefined;
  }

  /** A description of the limit passed, or undefined when the link may attach. */
  attach(channel: number, handle: number): string | undefined {
    let handles = this.sessions.get(channel);
    // An attach on a channel no begin opened is rhea's to refuse; it still counts here.
    if (!handles) this.sessions.set(channel, (handles = new Set()));
    if (handles.has(handle)) return undefined;
    const max = this.authorized() ? this.limits.maxLinks : this.limits.maxLinksBeforeAuthorization;
    if (this.links >= max) return `at most ${max} links on this connection${this.authorized() ? '' : ' before it is authorized'}`;
    handles.add(handle);
    this.links++;
    return undefined;
  }

  detach(channel: number, handle: number): void {
    if (this.sessions.get(channel)?.delete(handle)) this.links--;
  }

  end(channel: number): void {
    const handles = this.sessions.get(channel);
    if (!handles) return;
    this.links -= handles.size;
    this.sessions.delete(channel);
  }
}
