import { afterAll, beforeAll, describe as suite, expect, it } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../src/emulator/eventhubs/index.js';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../../src/emulator/defaults.js';
import { describe, runPython } from './python-run.js';

// Qpid Proton's engine writing its whole opening (SASL header, sasl-init, AMQP header, open, begin,
// attach) in one write before reading anything, as pipelining AMQP 1.0 stacks do; Proton then
// checks everything the emulator answers from its AMQP header on (python/proton_pipelined.py).

let emulator: RunningEventHubsEmulator;

beforeAll(async () => {
  emulator = await startEventHubsEmulator({ port: 0, config: { hubs: [{ name: 'eh1', partitionCount: 2 }] } });
});

afterAll(async () => {
  await emulator?.close();
});

suite('Qpid Proton pipelining its opening', () => {
  it.each(['ANONYMOUS', 'PLAIN'])('SASL %s: the outcome, then an open and an attach Proton accepts (PLAIN: an event accepted)', async (mechanism) => {
    const run = await runPython('proton_pipelined.py', [mechanism, String(emulator.port), EMULATOR_KEY_NAME, EMULATOR_SAS_KEY], { timeoutMs: 20_000 });
    const result = run.result;
    expect(result, describe(run)).toBeDefined();
    expect(result!.pipelined_amqp_header).toBe(true); // the AMQP header really rode in the first write
    expect(result!.errors).toEqual([]);
    expect(result!.sasl_outcome).toBe(0);
    expect(result!.remote_container).toBe('azure-realtime-eventhubs-emulator');
    expect(result!.link_active).toBe(true);
    if (mechanism === 'PLAIN') expect(result!.outcome).toBe('accepted');
  });
});
