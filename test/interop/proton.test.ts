import { afterAll, beforeAll, describe as suite, expect, it } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../src/emulator/eventhubs/index.js';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../../src/emulator/defaults.js';
import { describe, runPython, type PythonRun } from './python-run.js';

// Qpid Proton (python3-qpid-proton), the reference AMQP 1.0 implementation, as a strict peer of
// the Event Hubs emulator: any protocol violation it reports ends the run with an error.

let emulator: RunningEventHubsEmulator;

beforeAll(async () => {
  emulator = await startEventHubsEmulator({ port: 0, config: { hubs: [{ name: 'eh1', partitionCount: 8 }] } });
});

afterAll(async () => {
  await emulator?.close();
});

async function scenario(name: string): Promise<Record<string, unknown>> {
  const run: PythonRun = await runPython('proton_peer.py', [name, String(emulator.port), EMULATOR_KEY_NAME, EMULATOR_SAS_KEY]);
  expect(run.result, describe(run)).toBeDefined();
  return run.result!;
}

interface Received {
  body: string;
  offset: string;
  seq: number;
  settled: boolean;
}

suite('Qpid Proton against the Event Hubs emulator', () => {
  it('SASL PLAIN, unsettled sends, a receiver attached with attach and flow together when events wait: no frame before our attach', async () => {
    const result = await scenario('plain');
    expect(result.errors).toEqual([]);
    expect(result.outcomes).toEqual(['accepted', 'accepted', 'accepted']);
    // The selector `x-opt-sequence-number > '0'` leaves out the first event.
    const received = result.received as Received[];
    expect(received.map((event) => [event.body, event.seq])).toEqual([
      ['plain-1', 1],
      ['plain-2', 2],
    ]);
    expect(received.every((event) => event.settled)).toBe(true);
  });

  it("Proton's own Selector (filter named \"selector\") is found by its descriptor", async () => {
    const result = await scenario('proton-selector');
    expect(result.errors).toEqual([]);
    expect((result.received as Received[]).map((event) => event.body)).toEqual(['sel-2']);
  });

  it('SASL ANONYMOUS and put-token on $cbs without reply-to: answered on the $cbs receiving link', async () => {
    const result = await scenario('anonymous-cbs');
    expect(result.errors).toEqual([]);
    expect(result.cbs_status).toBe(202);
    expect(result.cbs_correlation).toBe(1);
    expect((result.received as Received[]).map((event) => event.body)).toEqual(['cbs-0', 'cbs-1', 'cbs-2']);
  });

  it('a wrong key: SASL PLAIN refused with unauthorized-access, put-token answered 401', async () => {
    const plain = await scenario('plain-wrong-key');
    expect(plain.errors).toEqual([expect.stringContaining('amqp:unauthorized-access')]);
    const cbs = await scenario('cbs-wrong-key');
    expect(cbs.errors).toEqual([]);
    expect(cbs.cbs_status).toBe(401);
  });

  it('pre-settled sends (at-most-once) are stored and read back with an offset selector', async () => {
    const result = await scenario('presettled');
    expect(result.errors).toEqual([]);
    expect(result.outcomes).toEqual([]);
    expect((result.received as Received[]).map((event) => event.body)).toEqual(['pre-0', 'pre-1', 'pre-2']);
  });

  it('messages bigger than the max frame size travel as multi-frame transfers both ways', async () => {
    const result = await scenario('multi-frame');
    expect(result.errors).toEqual([]);
    expect(result.outcomes).toEqual(['accepted', 'accepted']);
    expect((result.received as Received[]).map((event) => event.body)).toEqual(['x*200000', 'y*70000']);
  });

  it('flow control: no more transfers than the credit granted', async () => {
    const result = await scenario('flow-control');
    expect(result.errors).toEqual([]);
    expect(result.received_on_first_credit).toBe(2);
    expect((result.received as Received[]).map((event) => event.body)).toEqual(['fc-0', 'fc-1', 'fc-2', 'fc-3', 'fc-4']);
  });
});
