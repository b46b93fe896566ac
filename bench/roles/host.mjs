// Child side of lib/child.mjs: starts one role and answers calls from the harness. Built-in
// calls: cpu (process.cpuUsage, µs), memory (after two forced GCs), heapSnapshot (to a file, for
// `--profile` of the memory row), exit.
import { writeHeapSnapshot } from 'node:v8';
const roles = new Map();
let methods = {};

function settle(id, work) {
  Promise.resolve()
    .then(work)
    .then(
      (result) => process.send({ id, result }),
      (error) => process.send({ id, error: error?.stack ?? String(error) }),
    );
}

const builtins = {
  cpu: () => process.cpuUsage(),
  memory: async () => {
    for (let i = 0; i < 2; i++) {
      globalThis.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return process.memoryUsage();
  },
  heapSnapshot: async ({ path }) => {
    await builtins.memory();
    return writeHeapSnapshot(path);
  },
  exit: async () => {
    await methods.close?.().catch(() => undefined);
    setImmediate(() => process.exit(0));
  },
};

process.on('message', ({ id, method, params }) => {
  if (method === 'start') {
    settle(id, async () => {
      const module = await import(`./${params.role}.mjs`);
      const started = await module.start(params.args ?? {});
      methods = started.methods ?? {};
      roles.set(params.role, started);
      return started.info ?? {};
    });
    return;
  }
  const fn = builtins[method] ?? methods[method];
  if (!fn) return process.send({ id, error: `no method ${method}` });
  settle(id, () => fn(params));
});
process.on('disconnect', () => process.exit(0));
