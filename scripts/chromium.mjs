// How every test and bench launches Debian's Chromium (DESIGN.md "Testing"): Playwright cannot
// download a browser here, and without the background-networking flags Chromium keeps dialing out
// to a closed network.
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};
