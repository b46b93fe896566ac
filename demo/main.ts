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
    mountWebPubSubPanel(document.getElementById('webpubsub')!, config);
    mountRelayPanel(document.getElementById('relay')!, config);
    mountEventHubsPanel(document.getElementById('eventhubs')!, config);
    pageStatus.textContent = 'ready: emulators reachable through the dev server';
    pageStatus.dataset.state = 'ok';
  } catch (error) {
    pageStatus.textContent = `could not load the demo config: ${describeError(error)}`;
    pageStatus.dataset.state = 'error';
  }
}

void main();
