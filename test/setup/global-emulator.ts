import type { TestProject } from 'vitest/node';
import { startEmulator, type StartedEmulator } from '../../src/emulator/start.js';

// Starts every emulator once per test run on free ports; tests read the connection strings with
// `inject('emulator')` (works in the browser project too, which cannot start servers itself).
let running: StartedEmulator | undefined;

export async function setup(project: TestProject): Promise<void> {
  running = await startEmulator({ relay: {}, webpubsub: {}, eventhubs: {} });
  project.provide('emulator', running.info());
}

export async function teardown(): Promise<void> {
  await running?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    emulator: Record<string, { connectionString: string; [extra: string]: unknown }>;
  }
}
