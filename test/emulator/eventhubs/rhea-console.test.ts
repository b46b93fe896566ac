import rhea from 'rhea';
import { afterEach, expect, test, vi } from 'vitest';
import { startEventHubsEmulator } from '../../../src/emulator/eventhubs/server.js';
import { LINES_PER_SECOND } from '../../../src/emulator/eventhubs/rhea-console.js';
import { AMQP_HEADER, attach, begin, open, rawClient, str, transfer } from './raw-amqp.js';

// Issue 10 #12: rhea prints some diagnostics with console.* (a section it cannot place is
// printed whole: a put-token body is the SAS token). While the emulator runs they reach its log
// redacted and rate-limited, and nothing of them reaches the console.

const SIGNATURE = 'c2VjcmV0LXNpZ25hdHVyZS1ieXRlcw%3D%3D';
const TOKEN = `SharedAccessSignature sr=sb%3A%2F%2Flocalhost%2Feh1&sig=${SIGNATURE}&se=9999999999&skn=RootManageSharedAccessKey`;
const original = console.warn;
afterEach(() => {
  console.warn = original;
});

test("rhea's console warnings go to the emulator's log, redacted, at most N a second, then a summary", async () => {
  const printed = vi.fn();
  console.warn = printed;
  const lines: string[] = [];
  const emulator = await startEventHubsEmulator({ log: (line) => lines.push(line) });
  try {
    // A bare string where rhea expects a described section: rhea warns with the value in it.
    const notASection = str(TOKEN);
    for (let index = 0; index < 200; index++) rhea.message.decode(notASection);
    expect(printed).not.toHaveBeenCalled();
    const routed = lines.filter((line) => line.startsWith('eventhubs: rhea:'));
    expect(routed.length).toBe(LINES_PER_SECOND);
    expect(routed[0]).toContain('sig=REDACTED');
    expect(lines.join('\n')).not.toContain(SIGNATURE);
    await vi.waitFor(() => expect(lines.some((line) => /suppressed 180 more line/.test(line))).toBe(true), { timeout: 3000 });
  } finally {
    await emulator.close();
  }
  // Other callers were never affected, and after close rhea's console is the console again.
  expect(console.warn).toBe(printed);
});

test('a put-token whose body is not a described section closes that connection; the token is printed nowhere', async () => {
  const printed = vi.fn();
  console.warn = printed;
  const lines: string[] = [];
  const emulator = await startEventHubsEmulator({ log: (line) => lines.push(line) });
  try {
    const client = await rawClient(emulator.port);
    client.socket.write(Buffer.concat([AMQP_HEADER, open(), begin(), attach('cbs', 0, 'sender', '$cbs')]));
    await client.waitFor('$cbs');
    client.socket.write(transfer(0, 0, false, str(TOKEN)));
    await client.closed;
    expect(lines.some((line) => line.includes('amqp:decode-error'))).toBe(true);
    expect(printed).not.toHaveBeenCalled();
    expect(lines.join('\n')).not.toContain(SIGNATURE);
  } finally {
    await emulator.close();
  }
});

test("rhea's debug output (DEBUG=rhea*) passes the redaction, with payload bytes elided", async () => {
  const { createRequire } = await import('node:module');
  const loggers = createRequire(import.meta.url)('rhea/lib/log.js') as Record<string, ((...args: unknown[]) => void) & { enabled: boolean }>;
  // As DEBUG=rhea:message,rhea:raw would.
  loggers.message!.enabled = true;
  loggers.raw!.enabled = true;
  const written: string[] = [];
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  const emulator = await startEventHubsEmulator({});
  try {
    loggers.message!('decoded %s from %o', TOKEN, Buffer.from(TOKEN));
    loggers.raw!('read %h', Buffer.from(TOKEN));
  } finally {
    await emulator.close();
    write.mockRestore();
    loggers.message!.enabled = false;
    loggers.raw!.enabled = false;
  }
  expect(written.join('')).toContain('sig=REDACTED');
  expect(written.join('')).not.toContain(SIGNATURE);
  expect(written.join('')).not.toContain(Buffer.from(SIGNATURE).toString('hex'));
});
