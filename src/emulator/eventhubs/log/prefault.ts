import { Worker } from 'node:worker_threads';

// A growing log writes every kept byte into memory the process has never touched: each 4 KB page
// costs a fault, and the kernel (and on a VM the host) zeroing it, ~55–110 µs for one 115 KB batch
// against 1–2 µs into memory already mapped (bench/eh-fresh-memory.mjs). That work does not have
// to happen on the event loop: a worker thread touches each page of the arena's next block before
// the block is used, so the faults are taken there (bench/profiles/eh-ingest.md). The worker only
// writes zeros into a block nobody reads or writes yet; the arena takes the block once the worker
// says it is done, never before.

const TOUCH_PAGES = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ memory, done }) => {
  const bytes = new Uint8Array(memory);
  for (let at = 0; at < bytes.length; at += 4096) bytes[at] = 0;
  Atomics.store(new Int32Array(done), 0, 1);
});
`;

let worker: Worker | undefined;
let unavailable = false;

function toucher(): Worker | undefined {
  if (worker || unavailable) return worker;
  try {
    // No inherited options: the process's --cpu-prof or --inspect are not for this thread (its
    // profile would take the main thread's file name).
    worker = new Worker(TOUCH_PAGES, { eval: true, execArgv: [] });
    // Never what keeps the process alive; a failure only means faults on the event loop again.
    worker.unref();
    worker.on('error', () => {
      unavailable = true;
      worker = undefined;
    });
  } catch {
    unavailable = true;
  }
  return worker;
}

/** A block being prepared: `ready()` once every page of `memory` is mapped. */
export interface Prefaulted {
  memory: SharedArrayBuffer;
  ready(): boolean;
}

/** Has a worker touch every page of `memory`; undefined when no worker can run. */
export function prefault(memory: SharedArrayBuffer): Prefaulted | undefined {
  const thread = toucher();
  if (!thread) return undefined;
  const done = new Int32Array(new SharedArrayBuffer(4));
  thread.postMessage({ memory, done: done.buffer });
  return { memory, ready: () => Atomics.load(done, 0) === 1 };
}
