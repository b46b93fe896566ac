// Servers under test run in their own processes (as they would in use), so the harness's clients
// do not share their event loop and a server's CPU and memory can be read on their own. A child
// runs roles/host.mjs, which imports roles/<role>.mjs and answers calls over the IPC channel.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HOST = fileURLToPath(new URL('../roles/host.mjs', import.meta.url));
const children = new Set();

/** Profiling hook: `--profile` makes run.mjs set this so our servers write .cpuprofile files. */
export const profiling = { dir: undefined, roles: new Set() };

/**
 * Starts `role` with `args`; resolves once it reports ready, with `info` (what the role returned,
 * e.g. its port) and `call(method, params)`. Stopped by `stop()` (graceful, so a CPU profile is
 * written) or, as a fallback, SIGKILL.
 */
export async function startChild(role, args = {}, { readyTimeoutMs = 30_000, execArgv = [], label = role } = {}) {
  const argv = [...execArgv, '--expose-gc'];
  if (profiling.dir && profiling.roles.has(role)) argv.push('--cpu-prof', '--cpu-prof-dir', profiling.dir, '--cpu-prof-name', `${label}-${Date.now()}.cpuprofile`);
  const child = fork(HOST, [], { execArgv: argv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env });
  children.add(child);
  let nextId = 1;
  const pending = new Map();
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      for (const { reject } of pending.values()) reject(new Error(`${role} exited (${code ?? signal})`));
      pending.clear();
      resolve({ code, signal });
    }),
  );
  child.on('message', (message) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    message.error ? waiter.reject(new Error(`${role}: ${message.error}`)) : waiter.resolve(message.result);
  });
  const call = (method, params) =>
    new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error(`${role} is not running`));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, method, params });
    });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    call('exit').catch(() => undefined);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  let timer;
  const info = await Promise.race([
    call('start', { role, args }),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${role} not ready within ${readyTimeoutMs} ms`)), readyTimeoutMs))),
  ]).catch(async (error) => {
    child.kill('SIGKILL');
    throw error;
  });
  clearTimeout(timer);
  return { info, call, stop, pid: child.pid };
}

/** Kills every child still running (a row that failed or ran out of time). */
export function killAllChildren() {
  for (const child of children) child.kill('SIGKILL');
}
process.once('exit', killAllChildren);
