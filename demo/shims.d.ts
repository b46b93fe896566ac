// The `process` npm shim (a dependency of @azure/event-hubs) ships no types; node-globals.ts only installs it.
declare module 'process/browser.js' {
  const process: Record<string, unknown>;
  export default process;
}
