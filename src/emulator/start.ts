import { startDashboard, type DashboardOptions, type DashboardSources, type RunningDashboard } from './dashboard/index.js';
import type { EventHubsInspector } from './eventhubs/snapshot.js';
import { startEventHubsEmulator } from './eventhubs/index.js';
import type { RelayInspector } from './relay/snapshot.js';
import { startRelayEmulator } from './relay/index.js';
import { authority } from './service-address.js';
import type { EmulatorServiceInfo, ListenOptions, RunningService } from './types.js';
import type { WebPubSubInspector } from './webpubsub/snapshot.js';
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

export type EmulatorOptions = Partial<Record<ServiceName, (ListenOptions & Record<string, unknown>) | boolean>> & {
  /** Also serve the dashboard (src/emulator/dashboard): `true` for a free port, or its options. Off by default. */
  dashboard?: boolean | DashboardOptions;
};

export interface StartedEmulator {
  services: Partial<Record<ServiceName, RunningService>>;
  /** With the `dashboard` option: the page showing every service live. */
  dashboard?: RunningDashboard;
  info(): Partial<Record<ServiceName, EmulatorServiceInfo>>;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = { relay: true, webpubsub: true, eventhubs: true }): Promise<StartedEmulator> {
  const services: StartedEmulator['services'] = {};
  let dashboard: RunningDashboard | undefined;
  const close = async () => {
    await dashboard?.close();
    await Promise.allSettled(Object.values(services).map((service) => service.close()));
  };
  try {
    for (const name of SERVICE_NAMES) {
      const wanted = options[name];
      if (wanted === undefined || wanted === false) continue;
      services[name] = await starters[name](wanted === true ? {} : wanted);
    }
    if (options.dashboard) dashboard = await startDashboard(dashboardSources(services), dashboardOptions(options));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    services,
    ...(dashboard ? { dashboard } : {}),
    info: () => Object.fromEntries(Object.entries(services).map(([name, service]) => [name, service.info()])),
    close,
  };
}

/** The dashboard binds where the emulator binds: the first service's host unless it names its own. */
function dashboardOptions(options: EmulatorOptions): DashboardOptions {
  const given = options.dashboard === true || !options.dashboard ? {} : options.dashboard;
  const serviceHost = SERVICE_NAMES.map((name) => options[name]).find((each) => typeof each === 'object' && each.host !== undefined);
  const host = typeof serviceHost === 'object' ? serviceHost.host : undefined;
  return { ...given, ...(given.host === undefined && host !== undefined ? { host } : {}) };
}

function dashboardSources(services: StartedEmulator['services']): DashboardSources {
  const source = <T>(service: RunningService | undefined) =>
    service ? { inspector: (service as RunningService & { inspect(): T }).inspect(), endpoint: authority(service.host, service.port) } : undefined;
  const relay = source<RelayInspector>(services.relay);
  const webpubsub = source<WebPubSubInspector>(services.webpubsub);
  const eventhubs = source<EventHubsInspector>(services.eventhubs);
  return { ...(relay ? { relay } : {}), ...(webpubsub ? { webpubsub } : {}), ...(eventhubs ? { eventhubs } : {}) };
}
