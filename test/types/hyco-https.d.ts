// hyco-https ships no types (relay note §3.1); only what the tests call.
declare module 'hyco-https' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  interface RelayedServer {
    listen(): void;
    close(callback?: () => void): void;
    on(event: string, listener: (...args: unknown[]) => void): RelayedServer;
  }
  const https: {
    createRelayToken(uri: string, keyName: string, key: string, expirationSeconds?: number): string;
    createRelayHttpsUri(namespace: string, path: string, token?: string, id?: string): string;
    createRelayedServer(options: { server: string; token: string | (() => string); id?: string }, listener: (req: IncomingMessage, res: ServerResponse) => void): RelayedServer;
  };
  export default https;
}
