// Starts the built emulator CLI as a child process (as a user runs it) and resolves with the
// `--json` line once it is ready. Shared by scripts/durability-soak.mjs and scripts/fsync-bench.mjs.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const DEFAULT_CLI = fileURLToPath(new URL('../dist/emulator/cli.js', import.meta.url));

export function startEmulatorChild(args, { cli = DEFAULT_CLI, readyTimeoutMs = 20_000 } = {}) {
  const child = spawn(process.execPath, [cli, 'emulator', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`emulator not ready within ${readyTimeoutMs} ms; stderr: ${stderr}`)), readyTimeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout.slice(0, newline)));
      } catch (error) {
        reject(error);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${code ?? signal}) before ready; stderr: ${stderr}`));
    });
  });
  return {
    child,
    ready,
    exited,
    stderr: () => stderr,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
