import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { chromiumLaunchOptions } from './scripts/chromium.mjs';

// One suite, two environments (DESIGN.md "Testing"): test/core and test/shared run in Node and in
// Chromium; test/node, test/emulator and test/interop need Node. The global setup starts the
// emulators once and hands their connection strings to both projects through `inject`.

export default defineConfig({
  test: {
    globalSetup: ['test/setup/global-emulator.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          setupFiles: ['test/setup/fast-check-seed.ts'],
          include: ['test/**/*.test.ts'],
          exclude: ['test/runtimes/**', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        resolve: { conditions: ['browser'] },
        // @azure/event-hubs (test/shared/eventhubs) in Chromium: prebundle it up front so Vite does not
        // reload mid-run, and give it the Node globals it reads at load time (the setup file).
        optimizeDeps: { include: ['@azure/event-hubs', '@azure/core-auth', '@azure/core-util', 'buffer', 'process/browser.js'] },
        test: {
          name: 'browser',
          include: ['test/core/**/*.test.ts', 'test/shared/**/*.test.ts'],
          setupFiles: ['test/setup/browser-node-globals.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: chromiumLaunchOptions,
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
