import { startEventHubsEmulator } from './eventhubs/index.js';
import { startRelayEmulator } from './relay/index.js';
import type { EmulatorServiceInfo, ListenOptions, RunningService } from './types.js';
import { startWebPubSubEmulator } from './webpubsub/index.js';

// Composes the three emulated services; each lives in its own folder and exports one start function.
export type ServiceName = 'relay' | 'webpubsub' | 'eventhubs';
export const SERVICE_NAMES: readonly ServiceName[] = ['relay', 'webpubsub', 'eventhubs'];

type Starter = (options: ListenOptions & Record<string, unknown>) => Promise<RunningService>;

const starters: Record<ServiceName, Starter> = {
  relay: startRelayEmulator as Starter,
  webpubsub: startWebPubSubEmulator as Starter,
  eventhubs: startEventHubsEmulator as Starter,
};

export type EmulatorOptions = Partial<Record<ServiceName, (ListenOptions & Record<string, unknown>) | boolean>>;

export interface StartedEmulator {
  services: Partial<Record<ServiceName, RunningService>>;
  info(): Partial<Record<ServiceName, EmulatorServiceInfo>>;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = { relay: true, webpubsub: true, eventhubs: true }): Promise<StartedEmulator> {
  const services: StartedEmulator['services'] = {};
  const close = async () => {
    await Promise.allSettled(Object.values(services).map((service) => service.close()));
  };
  try {
    for (const name of SERVICE_NAMES) {
      const wanted = options[name];
      if (wanted === undefined || wanted === false) continue;
      services[name] = await starters[name](wanted === true ? {} : wanted);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    services,
    info: () => Object.fromEntries(Object.entries(services).map(([name, service]) => [name, service.info()])),
    close,
  };
}
