import './styles.css';
import { fetchDemoConfig } from './api.js';
import { mountEventHubsPanel } from './eventhubs-panel.js';
import { mountRelayPanel } from './relay-panel.js';
import { describeError } from './ui.js';
import { mountWebPubSubPanel } from './webpubsub-panel.js';

// Entry: read the dev server's config (emulator addresses, no keys), then build the panels.

async function main(): Promise<void> {
  const pageStatus = document.getElementById('page-status')!;
  try {
    const config = await fetchDemoConfig();
    // The dev server starts both (vite.config.ts); Event Hubs is optional (DEMO_EVENTHUBS=0).
    if (!config.webpubsub || !config.relay) throw new TypeError('expected the dev server to run the Web PubSub and Relay emulators');
    mountWebPubSubPanel(document.getElementById('webpubsub')!, config.webpubsub);
    mountRelayPanel(document.getElementById('relay')!, config.relay);
    mountEventHubsPanel(document.getElementById('eventhubs')!, config);
    pageStatus.textContent = 'ready: emulators reachable through the dev server';
    pageStatus.dataset.state = 'ok';
  } catch (error) {
    pageStatus.textContent = `could not load the demo config: ${describeError(error)}`;
    pageStatus.dataset.state = 'error';
  }
}

void main();
