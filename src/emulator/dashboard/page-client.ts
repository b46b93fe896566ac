import type { DashboardPicture } from './picture.js';

// The dashboard page's script. It runs in the browser: page.ts serves this function's source
// (`String(dashboardClient)`), so it must stay self-contained — no imports but types, no
// module-level helpers. It renders every picture from the live stream with DOM calls only
// (text, never HTML, so nothing a client sent can run), and posts the forms with the page's token.

export function dashboardClient(): void {
  type Child = Node | string | number | undefined | null | false;
  const token = document.querySelector('meta[name="dashboard-token"]')?.getAttribute('content') ?? '';
  const byId = (id: string): HTMLElement => document.getElementById(id)!;
  const el = (tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElement => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(name, value);
    for (const child of children) if (child !== undefined && child !== null && child !== false) node.append(typeof child === 'object' ? child : String(child));
    return node;
  };
  const table = (headers: string[], rows: HTMLElement[], empty: string): HTMLElement =>
    rows.length === 0 ? el('p', { class: 'empty' }, empty) : el('table', {}, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))), el('tbody', {}, ...rows));
  const cells = (attrs: Record<string, string | undefined>, ...values: Child[]): HTMLElement => el('tr', attrs, ...values.map((v) => el('td', {}, v)));
  const time = (ms: number): string => (ms > 0 ? new Date(ms).toLocaleTimeString() : '—');
  const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);
  const more = (shown: number, total: number): Child => (total > shown ? el('span', { class: 'more' }, ` …and ${total - shown} more`) : undefined);
  const replace = (id: string, ...children: Child[]) => byId(id).replaceChildren(...children.filter((c): c is Node | string => c !== undefined && c !== null && c !== false).map((c) => (typeof c === 'number' ? String(c) : c)));
  const fillList = (id: string, values: string[]) => byId(id).replaceChildren(...values.map((value) => el('option', { value })));

  // Per-partition events/s over the last 5 s. Pictures come only when something changed, so the
  // end sequence number of a partition holds from one sample to the next.
  const RATE_WINDOW_MS = 5000;
  const history = new Map<string, Array<{ at: number; end: number }>>();
  const noteEnds = (eh: DashboardPicture['eventhubs'], now: number) => {
    for (const hub of eh?.hubs ?? []) {
      for (const p of hub.partitions) {
        const key = `${hub.name}/${p.id}`;
        const samples = history.get(key) ?? [];
        if (samples.at(-1)?.end !== p.lastEnqueuedSequenceNumber) samples.push({ at: now, end: p.lastEnqueuedSequenceNumber });
        // Keep one sample from before the window: it is the baseline.
        while (samples.length > 1 && samples[1]!.at <= now - RATE_WINDOW_MS) samples.shift();
        history.set(key, samples);
      }
    }
  };
  const rateOf = (key: string, now: number): number => {
    const samples = history.get(key) ?? [];
    if (samples.length < 2) return 0;
    const from = now - RATE_WINDOW_MS;
    let baseline = samples[0]!;
    for (const sample of samples) if (sample.at <= from) baseline = sample;
    const elapsed = Math.max(now - Math.max(baseline.at, from), 1000);
    return Math.max(0, (samples.at(-1)!.end - baseline.end) / (elapsed / 1000));
  };

  function renderRelay(relay: DashboardPicture['relay'], endpoint: string | undefined): void {
    if (!relay) return replace('relay-body', el('p', { class: 'empty' }, 'not running'));
    replace(
      'relay-body',
      el('p', { class: 'endpoint' }, `listening on ${endpoint ?? ''}`),
      ...relay.namespaces.map((ns) =>
        el(
          'div',
          { 'data-namespace': ns.name },
          el('h3', {}, `namespace ${ns.name} `, el('small', {}, `${ns.host}${ns.autoCreate ? ' · auto-creates hybrid connections' : ''}`)),
          table(
            ['hybrid connection', 'listeners', 'bridges', 'connecting', 'HTTP in flight', 'client auth', 'listener tracking ids'],
            ns.hybridConnections.map((hc) =>
              cells(
                { 'data-hc': hc.name },
                hc.name,
                el('span', { 'data-listeners': String(hc.listenerCount) }, hc.listenerCount),
                hc.bridges,
                hc.connecting,
                hc.httpInFlight === 0 ? 0 : `${hc.httpInFlight}: ${hc.httpRequests.map((r) => `${r.method} ${r.target} (${Math.round(r.ageMs / 100) / 10} s)`).join(', ')}`,
                hc.requiresClientAuthorization ? 'required' : 'off',
                el('span', { class: 'ids' }, hc.listeners.join(', '), more(hc.listeners.length, hc.listenerCount)),
              ),
            ),
            'no hybrid connections yet',
          ),
          more(ns.hybridConnections.length, ns.hybridConnections.length + ns.omitted),
        ),
      ),
    );
    replace(
      'relay-rejections',
      table(
        ['time', 'status', 'what', 'path', 'reason'],
        relay.rejections.map((r) => cells({ 'data-status': String(r.status) }, time(r.at), r.status, r.kind === 'websocket' ? `upgrade${r.action ? ` (${r.action})` : ''}` : r.method, r.path, el('span', { class: 'reason', title: r.reason }, r.reason.split(' TrackingId:')[0]))),
        'none',
      ),
      relay.rejectionsTotal > relay.rejections.length ? el('p', { class: 'more' }, `${relay.rejectionsTotal} since start`) : undefined,
    );
  }

  function renderWebPubSub(wps: DashboardPicture['webpubsub'], endpoint: string | undefined): void {
    if (!wps) {
      replace('wps-messages');
      return replace('wps-body', el('p', { class: 'empty' }, 'not running'));
    }
    fillList('wps-hubs', wps.hubs.map((h) => h.name));
    replace(
      'wps-body',
      el('p', { class: 'endpoint' }, `listening on ${endpoint ?? ''} · slow clients closed ${wps.counters.slowClientsClosed} · upstream queue overflows ${wps.counters.upstreamQueueOverflows}`),
      wps.hubs.length === 0 ? el('p', { class: 'empty' }, 'no hubs with connections yet') : undefined,
      ...wps.hubs.map((hub) =>
        el(
          'div',
          { 'data-hub': hub.name },
          el('h3', {}, `hub ${hub.name} `, el('small', {}, `${hub.connectionCount} connection(s)`)),
          table(
            ['connection', 'user', 'subprotocol', 'groups', 'reliable buffer', '', ''],
            hub.connections.map((c) =>
              cells(
                { 'data-connection': c.id, 'data-user': c.userId },
                el('code', {}, c.id),
                c.userId ?? '—',
                c.subprotocol ?? 'raw',
                el('span', { 'data-groups': c.groups.join(' ') }, c.groups.join(', ') || '—', more(c.groups.length, c.groupCount)),
                c.reliable ? `${c.reliable.messages} msg / ${bytes(c.reliable.bytes)}` : '—',
                c.online ? 'online' : 'awaiting recovery',
                el('button', { type: 'button', 'data-close': c.id, 'data-close-hub': hub.name }, 'close'),
              ),
            ),
            'no connections',
          ),
          more(hub.connections.length, hub.connectionCount),
          el('p', {}, el('b', {}, 'groups: '), hub.groups.map((g) => `${g.name} (${g.members})`).join(', ') || '—'),
          el('p', {}, el('b', {}, 'users: '), hub.users.map((u) => `${u.id} (${u.connections})`).join(', ') || '—'),
        ),
      ),
    );
    replace(
      'wps-messages',
      table(
        ['time', 'hub', 'to', 'from', 'type', 'recipients', 'data'],
        wps.messages.map((m) =>
          cells(
            { 'data-message': '' },
            time(m.at),
            m.hub,
            m.target === 'all' ? 'all' : `${m.target} ${m.name ?? ''}`,
            m.from === 'group' ? `client${m.fromUserId ? ` ${m.fromUserId}` : ''}` : 'server',
            m.dataType,
            m.recipients,
            el('code', { class: 'preview' }, m.preview, m.truncated ? '…' : ''),
          ),
        ),
        'no messages yet',
      ),
    );
  }

  function renderEventHubs(eh: DashboardPicture['eventhubs'], endpoint: string | undefined): void {
    if (!eh) return replace('eh-body', el('p', { class: 'empty' }, 'not running'));
    fillList('eh-hubs', eh.hubs.map((h) => h.name));
    const now = Date.now();
    replace(
      'eh-body',
      el('p', { class: 'endpoint' }, `namespace ${eh.namespace} · listening on ${endpoint ?? ''}`),
      ...eh.hubs.map((hub) => {
        const events = hub.partitions
          .flatMap((p) => p.newest.map((e) => ({ ...e, partitionId: p.id })))
          .sort((a, b) => b.enqueuedTime - a.enqueuedTime || b.sequenceNumber - a.sequenceNumber)
          .slice(0, 20);
        return el(
          'div',
          { 'data-eventhub': hub.name },
          el('h3', {}, `hub ${hub.name} `, el('small', {}, `retention ${Math.round(hub.retentionMs / 3_600_000)} h`)),
          table(
            ['partition', 'begin', 'last', 'events', 'bytes', 'events/s', 'last enqueued'],
            hub.partitions.map((p) =>
              cells({ 'data-partition': p.id }, p.id, p.beginSequenceNumber, el('span', { 'data-last': String(p.lastEnqueuedSequenceNumber) }, p.lastEnqueuedSequenceNumber), p.retainedEvents, bytes(p.retainedBytes), rateOf(`${hub.name}/${p.id}`, now).toFixed(1), time(p.lastEnqueuedTime)),
            ),
            'no partitions',
          ),
          el('p', {}, el('b', {}, 'consumer groups: ')),
          el(
            'ul',
            {},
            ...hub.consumerGroups.map((g) =>
              el('li', { 'data-consumer-group': g.name }, `${g.name}: `, g.receivers.length === 0 ? 'no receivers' : g.receivers.map((r) => `partition ${r.partitionId} ← ${r.name}${r.epoch === undefined ? '' : ` (epoch ${r.epoch})`}`).join(', ')),
            ),
          ),
          el('p', {}, el('b', {}, 'newest events')),
          table(
            ['partition', 'sequence', 'enqueued', 'partition key', 'size', 'body'],
            events.map((e) => cells({ 'data-event': '', 'data-partition': e.partitionId, 'data-sequence': String(e.sequenceNumber) }, e.partitionId, e.sequenceNumber, time(e.enqueuedTime), e.partitionKey ?? '—', bytes(e.size), el('code', { class: 'preview' }, e.preview, e.truncated ? '…' : ''))),
            'no events yet',
          ),
        );
      }),
      eh.kafka
        ? el(
            'div',
            { 'data-kafka': '' },
            el('h3', {}, 'Kafka consumer groups'),
            table(
              ['group', 'state', 'generation', 'protocol', 'members'],
              eh.kafka.groups.map((g) => cells({ 'data-kafka-group': g.id }, g.id, g.state, g.generation, g.protocol ?? '—', g.members.map((m) => `${m.clientId || m.id}${m.id === g.leader ? ' (leader)' : ''}`).join(', ') || '—')),
              'none',
            ),
          )
        : undefined,
    );
  }

  async function post(action: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await fetch(`/actions/${action}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dashboard-token': token }, body: JSON.stringify(body) });
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new Error(typeof answer.error === 'string' ? answer.error : `HTTP ${res.status}`);
    return answer;
  }

  function wireForm(id: string, action: string, describe: (answer: Record<string, unknown>) => string): void {
    const form = byId(id) as HTMLFormElement;
    const output = form.querySelector('output')!;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body: Record<string, unknown> = {};
      for (const [name, value] of new FormData(form)) if (typeof value === 'string' && value !== '') body[name] = value;
      output.textContent = 'sending…';
      post(action, body).then(
        (answer) => {
          output.dataset.state = 'ok';
          output.textContent = describe(answer);
        },
        (error: Error) => {
          output.dataset.state = 'error';
          output.textContent = error.message;
        },
      );
    });
  }

  wireForm('wps-send', 'webpubsub/send', (a) => `delivered to ${String(a.recipients)} connection(s)`);
  wireForm('wps-close', 'webpubsub/close', () => 'closed');
  wireForm('eh-send', 'eventhubs/send', (a) => `stored in partition ${String(a.partitionId)} as #${String(a.sequenceNumber)}`);
  byId('wps-body').addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest('button[data-close]');
    if (!button) return;
    post('webpubsub/close', { hub: button.getAttribute('data-close-hub'), connectionId: button.getAttribute('data-close') }).catch((error: Error) => {
      byId('wps-close').querySelector('output')!.textContent = error.message;
    });
  });

  const status = byId('status');
  const stream = new EventSource('/events');
  let latest: DashboardPicture | undefined;
  stream.addEventListener('snapshot', (event) => {
    const picture = JSON.parse((event as MessageEvent<string>).data) as DashboardPicture;
    latest = picture;
    noteEnds(picture.eventhubs, Date.now());
    renderRelay(picture.relay, picture.endpoints.relay);
    renderWebPubSub(picture.webpubsub, picture.endpoints.webpubsub);
    renderEventHubs(picture.eventhubs, picture.endpoints.eventhubs);
    status.dataset.state = 'live';
    const more = (picture.omitted ?? []).reduce((sum, list) => sum + list.more, 0);
    status.textContent = `live · ${new Date().toLocaleTimeString()}${more > 0 ? ` · … ${more} more list items not shown` : ''}`;
  });
  // Rates fall back to 0 when events stop, though no new picture comes then.
  setInterval(() => {
    if (latest) renderEventHubs(latest.eventhubs, latest.endpoints.eventhubs);
  }, 1000);
  stream.addEventListener('error', () => {
    status.dataset.state = 'offline';
    status.textContent = 'disconnected; retrying…';
  });
}
