import type { EventHubConsumerClient, EventHubProducerClient, EventPosition, ReceivedEventData, Subscription } from '@azure/event-hubs';
import { createEventHubConsumerClient, createEventHubProducerClient, eventHubsSasTokenProvider, type EventHubsEndpoint } from 'azure-realtime/eventhubs';
import { serverEventHubsTokenProvider, type DemoConfig } from './api.js';
import type { EventHubsSettings } from './eventhubs-profiles.js';
import { createRateChart } from './rate-chart.js';
import { button, describeError, el, field, input, logView, randomName, statusLine, type LogView } from './ui.js';

// A live Event Hubs dashboard: the official clients (built by our factories) run in the page over
// ws:// to the emulator. The consumer reads every partition and counts what arrives per partition;
// the producer sends from this tab. No key in the page: the SAS comes from /api/eventhubs-token.
// A chart draws each partition's events/s over the last minute (rate-chart.ts). The connection
// settings pick a dev-server profile (the emulator, or a real namespace whose key stays on the
// server: eventhubs-profiles.ts) and, for Azure, the hub.

interface Target {
  namespace: string;
  hub: string;
  useDevelopmentEmulator: boolean;
}

interface PartitionRow {
  count: number;
  cells: { count: HTMLElement; sequence: HTMLElement; last: HTMLElement };
}

interface DashboardEvent {
  text?: unknown;
  from?: unknown;
}

const BURST = 20;

export function mountEventHubsPanel(root: HTMLElement, config: DemoConfig): void {
  root.append(el('h2', {}, 'Event Hubs live dashboard'));
  const emulator = config.eventhubs;
  if (!emulator) {
    const status = statusLine('eh-status', 'the dev server runs without the Event Hubs emulator (DEMO_EVENTHUBS=0)');
    root.append(status.node);
    return;
  }
  const tab = randomName('tab');
  let settings: Target = { namespace: emulator.namespace, hub: emulator.hub, useDevelopmentEmulator: emulator.useDevelopmentEmulator };
  // One provider (one cached token) shared by both clients; the SDK asks it per audience. A new
  // one for each target, so a token of the previous one is never reused.
  const endpointFor = (target: Target): EventHubsEndpoint => ({
    fullyQualifiedNamespace: target.namespace,
    credential: eventHubsSasTokenProvider(serverEventHubsTokenProvider()),
    useDevelopmentEmulator: target.useDevelopmentEmulator,
  });
  let endpoint = endpointFor(settings);
  const chart = createRateChart('eh-rate-chart');
  const profile = el('select', { id: 'eh-profile' }, el('option', { value: 'emulator' }, 'local emulator'));
  const hubName = input('eh-hub', settings.hub, { maxlength: '256', disabled: '' });
  const status = statusLine('eh-status', 'starting…');
  const senderStatus = statusLine('eh-sender-status', 'nothing sent yet');
  const log = logView('eh-log');
  const table = el('table', { id: 'eh-partitions', class: 'partitions' });
  const rows = new Map<string, PartitionRow>();
  const message = input('eh-message', 'hello event hubs', { maxlength: '2000' });
  const partitionKey = input('eh-partition-key', '', { placeholder: 'optional', maxlength: '128' });
  let consumer: EventHubConsumerClient | undefined;
  let subscription: Subscription | undefined;
  let producer: Promise<EventHubProducerClient> | undefined;

  const report = (error: unknown) => {
    status.set('error', `error: ${describeError(error)}`);
    log.add('error', describeError(error));
  };
  const reportSend = (error: unknown) => {
    senderStatus.set('error', `error: ${describeError(error)}`);
    log.add('error', describeError(error));
  };

  const start = async () => {
    if (consumer) return;
    status.set('busy', 'loading the Event Hubs client and connecting…');
    const current = (consumer = await createEventHubConsumerClient('$Default', endpoint, settings.hub, undefined, {
      // Claim every partition at once (no checkpoint store: each tab reads everything).
      loadBalancingOptions: { strategy: 'greedy', updateIntervalInMs: 1000 },
    }));
    try {
      const startPosition = await afterCurrentEnd(current);
      buildTable(table, rows, Object.keys(startPosition));
      chart.reset(Object.keys(startPosition));
      const ready = new Set<string>();
      subscription = current.subscribe(
        {
          processInitialize: async (context) => {
            ready.add(context.partitionId);
            status.set(ready.size === rows.size ? 'ok' : 'busy', `live: reading ${ready.size} of ${rows.size} partitions of ${settings.hub} at ${settings.namespace}`);
          },
          processEvents: async (events, context) => {
            showEvents(rows, log, context.partitionId, events);
            chart.record(context.partitionId, events.length);
          },
          processError: async (error, context) => {
            log.add('error', `partition ${context.partitionId || '-'}: ${describeError(error)}`);
          },
        },
        { startPosition, maxBatchSize: 100, maxWaitTimeInSeconds: 5 },
      );
    } catch (error) {
      consumer = undefined;
      await current.close().catch(() => {});
      throw error;
    }
  };

  const stop = async () => {
    const current = consumer;
    consumer = undefined;
    await subscription?.close();
    subscription = undefined;
    await current?.close();
    status.set('idle', 'stopped');
  };

  const send = async (count: number) => {
    producer ??= createEventHubProducerClient(endpoint, settings.hub).catch((error: unknown) => {
      producer = undefined;
      throw error;
    });
    const client = await producer;
    const text = message.value;
    const key = partitionKey.value.trim();
    senderStatus.set('busy', `sending ${count} event${count === 1 ? '' : 's'}…`);
    const started = performance.now();
    const events = Array.from({ length: count }, (_, i) => ({ body: { text: count === 1 ? text : `${text} #${i + 1}`, from: tab }, properties: { from: tab } }));
    await client.sendBatch(events, key ? { partitionKey: key } : {});
    const ms = Math.round(performance.now() - started);
    senderStatus.set('ok', `sent ${count} event${count === 1 ? '' : 's'} in ${ms} ms${key ? ` with partition key ${key}` : ''}`);
    log.add('out', `sent ${count === 1 ? JSON.stringify(text) : `${count} events`}${key ? ` (key ${key})` : ''}`);
  };

  const hint = el('p', { class: 'hint' });
  const describeTarget = () => {
    hint.textContent = `Hub ${settings.hub} at ${settings.namespace} (${settings.useDevelopmentEmulator ? 'emulator, ws://' : 'Azure, wss://'}). This tab is ${tab}. Events sent from any tab appear in every tab's dashboard; the page holds no key.`;
  };
  const showSettings = (answer: EventHubsSettings) => {
    profile.replaceChildren(...answer.profiles.map((p) => el('option', { value: p.id }, p.label)));
    profile.value = answer.active.profile;
    const azure = answer.active.profile === 'azure' && answer.active.namespace !== null && answer.active.hub !== null;
    settings = azure ? { namespace: answer.active.namespace!, hub: answer.active.hub!, useDevelopmentEmulator: false } : { namespace: emulator.namespace, hub: emulator.hub, useDevelopmentEmulator: emulator.useDevelopmentEmulator };
    hubName.value = settings.hub;
    hubName.disabled = !azure;
    endpoint = endpointFor(settings);
    describeTarget();
  };
  // The dev server keeps the choice (eventhubs-profiles.ts); switching reconnects both clients here.
  const applySettings = async () => {
    const response = await fetch('/api/eventhubs-settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ profile: profile.value, ...(profile.value === 'azure' ? { hub: hubName.value.trim() } : {}) }) });
    const answer = (await response.json()) as EventHubsSettings & { error?: string };
    if (!response.ok) throw new Error(answer.error ?? `settings answered ${response.status}`);
    await stop();
    const previous = producer;
    producer = undefined;
    await (await previous?.catch(() => undefined))?.close();
    showSettings(answer);
    await start();
  };
  profile.addEventListener('change', () => {
    hubName.disabled = profile.value !== 'azure';
  });
  describeTarget();

  root.append(
    hint,
    el('div', { class: 'row' }, el('label', { class: 'field' }, el('span', {}, 'Connection'), profile), field('Hub', hubName), button('eh-apply', 'Connect', applySettings, report)),
    el('div', { class: 'row' }, button('eh-start', 'Start', start, report), button('eh-stop', 'Stop', stop, report)),
    status.node,
    table,
    chart.node,
    el('div', { class: 'row' }, field('Message', message), field('Partition key', partitionKey), button('eh-send', 'Send event', () => send(1), reportSend), button('eh-send-burst', `Send ${BURST}`, () => send(BURST), reportSend)),
    senderStatus.node,
    log.node,
  );
  // Settings first (a dev server without the profiles endpoint means the emulator), then connect.
  void fetch('/api/eventhubs-settings')
    .then(async (response) => (response.ok ? showSettings((await response.json()) as EventHubsSettings) : undefined))
    .catch(() => undefined)
    .then(start)
    .catch(report);
}

/** Starts each partition right after its last event now: nothing sent after this is missed, nothing older is replayed. */
async function afterCurrentEnd(consumer: EventHubConsumerClient): Promise<Record<string, EventPosition>> {
  const ids = await consumer.getPartitionIds();
  const entries = await Promise.all(
    ids.map(async (id) => {
      const properties = await consumer.getPartitionProperties(id);
      return [id, { sequenceNumber: properties.isEmpty ? -1 : properties.lastEnqueuedSequenceNumber, isInclusive: false }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function buildTable(table: HTMLElement, rows: Map<string, PartitionRow>, ids: string[]): void {
  table.replaceChildren(el('thead', {}, el('tr', {}, el('th', {}, 'Partition'), el('th', {}, 'Events'), el('th', {}, 'Last seq.'), el('th', {}, 'Last event'))));
  const body = el('tbody');
  rows.clear();
  for (const id of ids) {
    const cells = { count: el('td', { class: 'num' }, '0'), sequence: el('td', { class: 'num' }, '–'), last: el('td', { class: 'last' }, '') };
    body.append(el('tr', { 'data-partition': id }, el('td', {}, id), cells.count, cells.sequence, cells.last));
    rows.set(id, { count: 0, cells });
  }
  table.append(body);
}

function showEvents(rows: Map<string, PartitionRow>, log: LogView, partitionId: string, events: ReceivedEventData[]): void {
  const row = rows.get(partitionId);
  if (!row || events.length === 0) return;
  row.count += events.length;
  const last = events[events.length - 1]!;
  row.cells.count.textContent = String(row.count);
  row.cells.sequence.textContent = String(last.sequenceNumber);
  row.cells.last.textContent = describeEvent(last);
  row.cells.count.parentElement?.classList.remove('flash');
  void row.cells.count.parentElement?.offsetWidth; // restart the highlight animation
  row.cells.count.parentElement?.classList.add('flash');
  for (const event of events.slice(-5)) log.add('in', `partition ${partitionId} #${event.sequenceNumber}: ${describeEvent(event)}`);
  if (events.length > 5) log.add('info', `(+${events.length - 5} more on partition ${partitionId})`);
}

function describeEvent(event: ReceivedEventData): string {
  const body = event.body as DashboardEvent | string | undefined;
  if (body && typeof body === 'object' && typeof body.text === 'string') return `${body.text} (from ${String(body.from ?? '?')})`;
  return typeof body === 'string' ? body : JSON.stringify(body);
}
