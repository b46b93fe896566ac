import fc from 'fast-check';
import rhea from 'rhea';
import { workerData, parentPort } from 'node:worker_threads';
import { AmqpDecodeError, splitSections } from '../../../src/emulator/eventhubs/amqp-sections.js';
import { AmqpStructureError, walkSequence, walkValue } from '../../../src/emulator/eventhubs/amqp-structure.js';
import { COUNT_BOMBS, amqpValue, described } from './amqp-bytes.js';
import { mutatedBytes } from './mutate.js';

// Runs in a worker with a small heap (see properties-amqp.test.ts): the emulator's structure
// walker (amqp-structure.ts, which every frame and every reassembled message passes before rhea
// or the section decoder sees it) and, for what the walker lets through, the section decoder, on
// arbitrary, structured and mutated input. The input under test is copied into shared memory
// first, so if an allocation bomb kills the worker the parent can still say which input it was.

const { cases, shared } = workerData as { cases: number; shared: SharedArrayBuffer };
const length = new Int32Array(shared, 0, 1);
const current = new Uint8Array(shared, 4);

const messageEncode = (rhea as unknown as { message: { encode(message: object): Buffer } }).message.encode;
const SEEDS = [
  messageEncode({ body: 'hello', application_properties: { kind: 'seed', n: 1 }, message_annotations: { 'x-opt-partition-key': 'k' } }),
  messageEncode({ body: rhea.message.data_section(Buffer.from([1, 2, 3])), properties: { message_id: 'm1', content_type: 'application/json' } } as object),
  messageEncode({ body: { nested: [1, 'two', null, { three: true }] }, delivery_annotations: { a: 1 }, footer: { f: 'x' } } as object),
];
const SECTION_CODES = [0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78];
const input = fc.oneof(
  fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
  fc.array(described(SECTION_CODES), { minLength: 1, maxLength: 4 }).map((parts) => Buffer.concat(parts)),
  amqpValue,
  mutatedBytes(SEEDS).map((bytes) => Buffer.from(bytes)),
  fc.tuple(fc.constantFrom(...SECTION_CODES), fc.constantFrom(...COUNT_BOMBS), fc.boolean()).map(([code, bomb, inList]) =>
    Buffer.concat([Buffer.from([0x00, 0x53, code]), inList ? Buffer.from([0xc0, bomb.length + 1, 0x01]) : Buffer.alloc(0), bomb]),
  ),
);

const details = fc.check(
  fc.property(input, (bytes) => {
    const size = Math.min(bytes.length, current.length);
    current.set(bytes.subarray(0, size));
    Atomics.store(length, 0, size);
    const typed = (run: () => unknown, type: new (...args: never[]) => Error): boolean => {
      try {
        run();
        return true;
      } catch (error) {
        if (!(error instanceof type)) throw new Error(`untyped failure: ${(error as Error).name}: ${(error as Error).message}`);
        return false;
      }
    };
    const once = () => {
      typed(() => walkValue(bytes, 0, bytes.length), AmqpStructureError);
      // As the emulator drives it (transfer-tracker.ts): only a walked message reaches splitSections.
      if (typed(() => walkSequence(bytes, 0, bytes.length), AmqpStructureError)) typed(() => splitSections(bytes), AmqpDecodeError);
    };
    // Judged by the fastest of up to 3 timings: a GC pause slows one, a super-linear decoder all.
    let fastest = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 3 && fastest > 250; attempt++) {
      const started = performance.now();
      once();
      fastest = Math.min(fastest, performance.now() - started);
    }
    if (fastest > 250) throw new Error(`one call took ${fastest.toFixed(0)} ms (fastest of 3) on ${bytes.toString('hex').slice(0, 200)}`);
  }),
  { numRuns: cases },
);
parentPort!.postMessage({
  numRuns: details.numRuns,
  failed: details.failed,
  report: details.failed ? fc.defaultReportMessage(details) : undefined,
  message: details.failed ? String((details.errorInstance as Error)?.message ?? details.errorInstance) : undefined,
});
