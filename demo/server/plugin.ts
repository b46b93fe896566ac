import type { AddressInfo } from 'node:net';
import type { Plugin, ViteDevServer } from 'vite';
import { redactSecrets } from 'azure-realtime/node';
import { startDemoBackend, type DemoBackend } from './backend.js';

// A Vite plugin that makes the dev server the demo's backend: it starts the emulators in-process
// once the server has its port (the Web PubSub event handler URL points back at it) and serves
// `/api/*` from them. Requests that arrive before the emulators are up wait for them.

export interface DemoServerPluginOptions {
  /** Also start the Event Hubs emulator (the dashboard panel uses it). Default false. */
  eventhubs?: boolean;
  /** 'default': the CLI's ports (7380, 8080, 5672), free ones when busy; 'free': free ports. Default 'default'. */
  ports?: 'default' | 'free';
}

export function demoServerPlugin(options: DemoServerPluginOptions = {}): Plugin {
  let backend: Promise<DemoBackend> | undefined;
  let resolveBackend!: (value: Promise<DemoBackend>) => void;
  const backendReady = new Promise<DemoBackend>((resolve) => (resolveBackend = resolve));

  const start = (server: ViteDevServer) => {
    const address = server.httpServer?.address() as AddressInfo | null;
    if (!address || typeof address === 'string') throw new Error('expected the dev server to listen on a TCP port');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    backend ??= startDemoBackend({ origin: `http://${host}:${address.port}`, eventhubs: options.eventhubs ?? false, ports: options.ports ?? 'default' });
    resolveBackend(backend);
    backend.then(
      (running) => server.config.logger.info(['', '  emulators (in-process; keys redacted: they are the public dev keys `npm run emulator` prints):', ...running.describe().map((line) => `    ${line}`), ''].join('\n')),
      (error: unknown) => server.config.logger.error(`demo: the emulators did not start: ${redactSecrets(String((error as Error)?.message ?? error))}`),
    );
  };

  return {
    name: 'azure-realtime-demo-server',
    apply: 'serve',
    configureServer(server) {
      if (!server.httpServer) {
        server.config.logger.warn('demo: no HTTP server (middleware mode), so no emulators and no /api');
        return;
      }
      if (server.httpServer.listening) start(server);
      else server.httpServer.once('listening', () => start(server));
      // Mounted at the root: connect's '/api' mount would also catch '/api.ts'.
      server.middlewares.use((req, res, next) => {
        if (!req.url?.startsWith('/api/')) return next();
        backendReady.then(
          (running) => running.handle(req, res, next),
          (error: unknown) => {
            res.writeHead(503, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: `the emulators did not start: ${redactSecrets(String((error as Error)?.message ?? error))}` }));
          },
        );
      });
    },
    async closeBundle() {
      if (backend) await (await backend.catch(() => undefined))?.close();
    },
  };
}
