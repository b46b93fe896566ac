import rhea, { type Connection } from 'rhea';
import { expect, test, vi } from 'vitest';
import { startEventHubsEmulator } from '../../../src/emulator/eventhubs/server.js';
import { boundedLog, LOG_LINES_PER_SECOND, MAX_LOG_LINE_CHARS } from '../../../src/emulator/host/bounded-log.js';

// What a client can make an emulator print is bounded: log lines quote client input (a CBS
// audience, a frame's bytes). One unauthenticated AMQP client sending 1,000 put-tokens with a
// 500 KB audience made the CLI print 500 MB to stderr in 11 s.

test('lines are cut to a bound and at most so many a second pass, then one summary', () => {
  vi.useFakeTimers();
  try {
    const lines: string[] = [];
    let now = 1_000_000;
    const log = boundedLog((line) => lines.push(line), { perSecond: 3, maxChars: 10, now: () => now, transform: (line) => line.replace('secret', 'REDACTED') });
    for (let i = 0; i < 5; i++) log(`line ${i} secret`);
    expect(lines).toEqual(['line 0 RED… (5 more characters)', 'line 1 RED… (5 more characters)', 'line 2 RED… (5 more characters)']);
    now += 1000;
    vi.advanceTimersByTime(1000);
    expect(lines.at(-1)).toBe('suppressed 2 log line(s) (over 3 a second)');
    log('next');
    expect(lines.at(-1)).toBe('next');
  } finally {
    vi.useRealTimers();
  }
});

test('an unauthenticated put-token flood with a huge audience prints a bounded amount', async () => {
  const lines: string[] = [];
  const emulator = await startEventHubsEmulator({ log: (line) => lines.push(line) });
  let connection: Connection | undefined;
  try {
    const count = LOG_LINES_PER_SECOND * 2;
    connection = rhea.create_container().connect({ host: '127.0.0.1', port: emulator.port, reconnect: false });
    const sender = connection.open_sender('$cbs');
    const receiver = connection.open_receiver({ source: { address: '$cbs' }, target: { address: 'cbs-client' }, credit_window: count });
    let replies = 0;
    receiver.on('message', () => replies++);
    await new Promise((resolve) => sender.once('sendable', resolve));
    const name = `sb://localhost/eh1/${'a'.repeat(50_000)}`;
    let sent = 0;
    while (sent < count) {
      while (sender.sendable() && sent < count) {
        sender.send({ body: 'SharedAccessSignature sr=x&sig=y&se=1&skn=z', application_properties: { operation: 'put-token', type: 'servicebus.windows.net:sastoken', name }, reply_to: 'cbs-client' });
        sent++;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await vi.waitFor(() => expect(replies).toBe(count), { timeout: 10_000 });
    const printed = lines.join('\n');
    // Unbounded: 200 lines of 50 KB each, 10 MB.
    expect(printed.length).toBeLessThan(count * (MAX_LOG_LINE_CHARS + 100));
    expect(lines.every((line) => line.length <= MAX_LOG_LINE_CHARS + 50)).toBe(true);
  } finally {
    connection?.close();
    await emulator.close();
  }
});
