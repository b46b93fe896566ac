import type { EmulatorServiceInfo, ListenOptions, RunningService } from './types.js';

// Composes the three emulated services. Each lives in its own folder and exports one start
// function; a service whose folder is not built yet is reported as unavailable, not faked.
export type ServiceName = 'relay' | 'webpubsub' | 'eventhubs';
export const SERVICE_NAMES: readonly ServiceName[] = ['relay', 'webpubsub', 'eventhubs'];

type Starter = (options: ListenOptions & Record<string, unknown>) => Promise<RunningService>;

const loaders: Record<ServiceName, () => Promise<Starter>> = {
  relay: async () => (await import('./relay/index.js')).startRelayEmulator as Starter,
  webpubsub: async () => (await import('./webpubsub/index.js')).startWebPubSubEmulator as Starter,
  eventhubs: async () => (await import('./eventhubs/index.js')).startEventHubsEmulator as Starter,
};

export type EmulatorOptions = Partial<Record<ServiceName, (ListenOptions & Record<string, unknown>) | boolean>>;

export interface StartedEmulator {
  services: Partial<Record<ServiceName, RunningService>>;
  /** Services asked for that this build does not have yet, with the reason. */
  unavailable: Partial<Record<ServiceName, string>>;
  info(): Partial<Record<ServiceName, EmulatorServiceInfo>>;
  close(): Promise<void>;
}

function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  const message = String((error as Error)?.message ?? '');
  return code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url|does not provide an export/.test(message);
}

export async function startEmulator(options: EmulatorOptions = { relay: true, webpubsub: true, eventhubs: true }): Promise<StartedEmulator> {
  const services: StartedEmulator['services'] = {};
  const unavailable: StartedEmulator['unavailable'] = {};
  const close = async () => {
    await Promise.allSettled(Object.values(services).map((service) => service.close()));
  };
  try {
    for (const name of SERVICE_NAMES) {
      const wanted = options[name];
      if (wanted === undefined || wanted === false) continue;
      let start: Starter | undefined;
      try {
        start = await loaders[name]();
      } catch (error) {
        if (!isMissingModule(error)) throw error;
      }
      if (typeof start !== 'function') {
        unavailable[name] = 'not built yet';
        continue;
      }
      services[name] = await start(wanted === true ? {} : wanted);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    services,
    unavailable,
    info: () => Object.fromEntries(Object.entries(services).map(([name, service]) => [name, service.info()])),
    close,
  };
}
